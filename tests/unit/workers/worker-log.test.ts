// The worker log: SDK entries go to the file as JSON lines; a person hears of a warning that matters once, in words.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerLog } from '../../../workers/logging.ts';

describe('workerLog', () => {
  it('writes every entry at info and above to the file and tells a slow workflow task once, in plain words', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'fairshrink-log-')), 'logs', 'worker.log');
    const notes: string[] = [];
    const log = workerLog({ file, notify: (line) => notes.push(line) });
    log.logger.debug('poll details');
    log.logger.info('Worker state changed', { state: 'RUNNING' });
    const slow = '[TMPRL1104] 01a2:55:1 Workflow task duration exceeded 5 seconds.';
    log.logger.warn(slow, { workflow_task_duration: 8001 });
    log.logger.warn(slow, { workflow_task_duration: 7446 });
    log.logger.warn('Poller restarted');
    await log.close();

    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; message: string });
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'Worker state changed'],
      ['WARN', slow],
      ['WARN', slow],
      ['WARN', 'Poller restarted'],
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^note: the worker is slow to run workflow code .* Details: .*worker\.log$/);
    expect(notes[0]).not.toMatch(/TMPRL/);
  });
});
