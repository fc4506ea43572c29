// The compute process's keeper (workers/supervisor.ts): crashes are restarted with doubling delays and logged, a stop
// is graceful (SIGTERM) with SIGKILL as the last resort, and nothing is restarted once stopping began.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { restartDelayMs, superviseChild, type Supervisor } from '../../../workers/supervisor.ts';
import { isRunning, untilGone } from '../../helpers/processes.ts';

// The children, as small scripts in a temporary folder: one that crashes at once, and one that waits for work until
// SIGTERM (or, with IGNORE_SIGTERM=1, ignores it and must be killed).
const CHILDREN = {
  'crashing-child.mjs': 'process.exit(3);\n',
  'idle-child.mjs': [
    "process.on('SIGTERM', () => { if (process.env.IGNORE_SIGTERM !== '1') process.exit(0); });",
    "process.send({ kind: 'ready' });",
    'setInterval(() => {}, 1000);',
    '',
  ].join('\n'),
};
const childrenDir = mkdtempSync(path.join(os.tmpdir(), 'fairshrink-supervisor-'));
for (const [name, code] of Object.entries(CHILDREN)) writeFileSync(path.join(childrenDir, name), code);
const fixture = (name: keyof typeof CHILDREN) => path.join(childrenDir, name);

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function supervise(entry: keyof typeof CHILDREN, env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const messages: unknown[] = [];
  const supervisor: Supervisor = superviseChild({
    name: 'test child',
    entry: fixture(entry),
    execArgv: [],
    env: { PATH: process.env.PATH, ...env },
    log: (line) => lines.push(line),
    backoff: { initialMs: 100, maxMs: 400, stableMs: 60_000 },
    stopTimeoutMs: 500,
    onMessage: (message) => messages.push(message),
  });
  return { supervisor, lines, messages };
}

describe('restart delays', () => {
  it('double from the first delay and stop at the cap', () => {
    const backoff = { initialMs: 1000, maxMs: 30_000, stableMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => restartDelayMs(n, backoff))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('refuses a crash count that is not a positive whole number', () => {
    expect(() => restartDelayMs(0)).toThrow(/crashesInARow must be a whole number >= 1, got 0/);
  });
});

describe('superviseChild', () => {
  it('restarts a crashing child with growing delays and says so each time', async () => {
    const { supervisor, lines } = supervise('crashing-child.mjs');
    await until(() => supervisor.pids().length >= 4, 'the child was started four times');
    await supervisor.stop();
    const pids = supervisor.pids();
    expect(new Set(pids).size).toBe(pids.length);
    const crashes = lines.filter((l) => l.includes('exited with code 3'));
    expect(crashes[0]).toMatch(/restarting in 0\.1 s \(crash 1 in a row\)/);
    expect(crashes[1]).toMatch(/restarting in 0\.2 s \(crash 2 in a row\)/);
    expect(crashes[2]).toMatch(/restarting in 0\.4 s \(crash 3 in a row\)/);
    // Stopped: no restart after stop() returned.
    const started = supervisor.pids().length;
    await new Promise((r) => setTimeout(r, 600));
    expect(supervisor.pids().length).toBe(started);
  });

  it('stops a child gracefully with SIGTERM and does not restart it', async () => {
    const { supervisor, lines, messages } = supervise('idle-child.mjs');
    await until(() => messages.length === 1, 'the child said it is ready');
    const pid = supervisor.pid()!;
    expect(isRunning(pid)).toBe(true);
    await supervisor.stop();
    expect(await untilGone(pid, 2000)).toBe(true);
    expect(lines).toEqual([`test child ${pid} started`, `test child ${pid} stopped`]);
    expect(supervisor.pids()).toEqual([pid]);
  });

  it('kills a child that ignores SIGTERM once the stop timeout passed', async () => {
    const { supervisor, lines, messages } = supervise('idle-child.mjs', { IGNORE_SIGTERM: '1' });
    await until(() => messages.length === 1, 'the child said it is ready');
    const pid = supervisor.pid()!;
    const t0 = Date.now();
    await supervisor.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(await untilGone(pid, 2000)).toBe(true);
    expect(lines).toContain(`test child ${pid} did not stop within 0.5 s; killing it`);
  });
});
