// Ports for services that restart on the same port come from below the ephemeral range, with their companions free.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeRestartablePort, portInUse } from '../../../infra/process.ts';

describe('freeRestartablePort', () => {
  it('picks free ports below the ephemeral range, with every companion free, and never one already taken', async () => {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freeRestartablePort(taken, [1, 10_000]));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(11_000);
      expect(port + 10_000).toBeLessThan(32_768);
      for (const p of [port, port + 1, port + 10_000]) {
        expect(taken.has(p)).toBe(true);
        expect(await portInUse(p)).toBe(false);
      }
    }
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('skips a port whose companion is in use', async () => {
    const first = await freeRestartablePort(new Set(), [10_000]);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(first + 10_000, '127.0.0.1', resolve));
    try {
      for (let i = 0; i < 50; i++) expect(await freeRestartablePort(new Set(), [10_000])).not.toBe(first);
    } finally {
      blocker.close();
    }
  });
});
