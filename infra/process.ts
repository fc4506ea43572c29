// Start and stop detached server processes whose pids we record, and check ports before we do.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` is alive and its command line mentions `binary` (guards against reused pids). */
export function isOurProcess(pid: number, binary: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(binary);
  } catch {
    return true; // no /proc (macOS): trust the pid file
  }
}

export async function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range (Linux: 32768–60999 by default,
 * /proc/sys/net/ipv4/ip_local_port_range), whose companions `port + offset` for each offset are free too (SeaweedFS
 * listens on port + 10000 for gRPC). For a service that is stopped and started again on the same port: freePort's
 * ports come from the ephemeral range, so the moment such a service stops, any process's outgoing connection can take
 * its port as a local port and the restart fails to bind. Below the range only an explicit bind takes a port.
 */
export async function freeRestartablePort(taken: Set<number> = new Set(), offsets: number[] = []): Promise<number> {
  const low = 11_000;
  const high = 32_768 - Math.max(0, ...offsets);
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    const ports = [port, ...offsets.map((o) => port + o)];
    if (ports.some((p) => taken.has(p))) continue;
    if ((await Promise.all(ports.map((p) => portInUse(p)))).some(Boolean)) continue;
    for (const p of ports) taken.add(p);
    return port;
  }
  throw new Error(`could not find free TCP ports between ${low} and ${high}`);
}

/** A free TCP port on 127.0.0.1 (for tests). Ports below `below` leave room for port + 10000 schemes. */
export async function freePort(below = 55000): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1' }, () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    if (port > 0 && port < below) return port;
  }
  throw new Error('could not find a free TCP port');
}

export function spawnDetached(binary: string, args: string[], logFile: string, cwd: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Signal the process group (SIGTERM unless told), wait up to `graceMs`, then SIGKILL. Resolves when it is gone. */
export async function stopProcess(
  pid: number,
  opts: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<'stopped' | 'killed' | 'not-running'> {
  const graceMs = opts.graceMs ?? 20_000;
  if (!isAlive(pid)) return 'not-running';
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal(opts.signal ?? 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 100));
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return 'killed';
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; onTimeout?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(
    `${what} did not become healthy within ${opts.timeoutMs / 1000} s${detail}${opts.onTimeout ? `. ${opts.onTimeout()}` : ''}`,
  );
}
