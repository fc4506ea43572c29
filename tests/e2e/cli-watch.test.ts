// `fairshrink watch` against the test Temporal server and S3, on the two ways a watch used to go wrong: a data
// error inside an activity must reach the user as the step's own message (not "Activity task failed") with exit
// code 1, and a connection to Temporal that drops for a while must not end the watch.
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { watchCommand } from '../../cli/commands/watch.ts';
import { pauseSignal, resumeSignal } from '../../workflows/campaign.ts';
import { campaignInput, campaignWorker, startCampaign, startFixtureCampaign } from '../helpers/campaign.ts';
import { uniqueId } from '../helpers/services.ts';
import { captureIo, eventually, untilState, useCliServices } from './cli-support.ts';

const context = { verbose: false };
const { taskQueue, store, temporal } = useCliServices('cli-watch');

/**
 * A small data set the test owns: 240 rows of two numeric features, `sex` and a 0/1 outcome. Its spec names a
 * sensitive column `gender` that the header does not have, which only the prepare step (reading the file) finds.
 */
async function campaignWithMissingColumn(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fairshrink-watch-'));
  const rows = ['age,hours,sex,outcome'];
  for (let i = 0; i < 240; i++)
    rows.push(`${20 + (i % 45)},${10 + ((i * 7) % 50)},${i % 3 === 0 ? 'f' : 'm'},${i % 2}`);
  await writeFile(path.join(dir, 'people.csv'), `${rows.join('\n')}\n`);
  await writeFile(
    path.join(dir, 'people.yaml'),
    `name: people
description: a test data set whose spec names a column the file does not have
sources:
  - path: people.csv
dialect: { delimiter: ',', header: true, missing: [] }
label: { column: outcome, positive: ['1'], negative: ['0'] }
sensitive:
  - name: gender
    column: gender
features:
  categorical: [sex]
  numeric: [age, hours]
split:
  kind: stratified
  fractions: { train: 0.6, validation: 0.2, test: 0.2 }
  seed: 0
`,
  );
  const campaign = path.join(dir, 'campaign.yaml');
  await writeFile(
    campaign,
    `version: 1
name: missing-column
seed: 3
dataset: people.yaml
model:
  kind: train
  mlp: { hidden: [{ units: 4 }] }
  train: { epochs: 1, batchSize: 64, patience: 0 }
compression:
  criterion: magnitude-global
  schedule: { kind: list, sparsities: [0.3] }
  finetune: { epochs: 1, batchSize: 64 }
  quantize: { enabled: false }
evaluation: { split: validation, bootstrap: 10, minGroupSize: 10 }
rubric:
  version: 1
  name: lenient
  min_group_size: 10
  uncertainty: point_estimate
  constraints:
    - id: balanced-accuracy-vs-reference
      metric: balanced_accuracy
      relative_to: reference
      comparator: '>='
      threshold: -0.5
policy: { onFail: [bisect], retriesPerMilestone: 0, backoff: 10ms }
`,
  );
  return campaign;
}

/**
 * A TCP relay on loopback in front of the test Temporal server, for one watch to connect through. Dropping it
 * closes the watch's connections and refuses new ones, as a restarting server or a broken network path would,
 * while the worker and every other test keep their direct connection to the shared server (restarting that
 * server itself would fail whatever else runs against it).
 */
async function temporalRelay(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const relayPort = await listen(0);
  return {
    address: `127.0.0.1:${relayPort}`,
    drop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: () => listen(relayPort),
    close: async () => {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('fairshrink watch', () => {
  const temporalAddress = inject('temporalAddress');
  afterEach(() => {
    process.env.TEMPORAL_ADDRESS = temporalAddress;
  });

  it("ends a campaign that failed on its data with the step's own message and exit code 1", async () => {
    const id = uniqueId('cli-watch-data').toLowerCase();
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const input = await campaignInput(await campaignWithMissingColumn(), store, id);
    await startCampaign(temporal().client, input, taskQueue);
    await worker.runUntil(async () => {
      const io = captureIo();
      expect(await watchCommand([id, '--interval', '100'], io, context), io.stderrText()).toBe(1);
      const out = io.stdoutText();
      expect(out).toMatch(/^failed: prepareDataset failed \(DataError\): .*'gender'/m);
      expect(out).not.toMatch(/Activity task failed/);
    });
  });

  it('keeps following through a dropped connection to Temporal and ends with the campaign', async () => {
    const id = uniqueId('cli-watch-relay').toLowerCase();
    const relay = await temporalRelay(temporalAddress);
    const worker = await campaignWorker(temporal().nativeConnection, taskQueue, store);
    const handle = await startFixtureCampaign(temporal().client, store, {
      name: 'german-pass',
      campaignId: id,
      taskQueue,
    });
    try {
      await worker.runUntil(async () => {
        // Held at its next step boundary, the campaign is still running whatever the relay does meanwhile.
        await untilState(handle, (s) => s.phase === 'milestone', 'milestone 1 starts');
        await handle.signal(pauseSignal, { by: 'test', reason: 'hold while the relay drops' });
        await untilState(handle, (s) => s.paused, 'the pause is taken');

        process.env.TEMPORAL_ADDRESS = relay.address;
        const io = captureIo();
        const watching = watchCommand([id, '--interval', '100'], io, context);
        await eventually(async () => (/PAUSED/.test(io.stdoutText()) ? true : undefined), 'watch shows the pause');

        await relay.drop();
        await eventually(
          async () => (/^note: lost contact with Temporal/m.test(io.stdoutText()) ? true : undefined),
          'watch notices the dropped connection',
          120_000,
        );
        await relay.restore();
        await handle.signal(resumeSignal, { by: 'test' });

        expect(await watching, io.stderrText()).toBe(0);
        const out = io.stdoutText();
        expect(out.match(/^note: lost contact with Temporal/gm)).toHaveLength(1);
        expect(out).toMatch(/^note: back in contact with Temporal; still following$/m);
        expect(out).toMatch(/^completed: 50\.\d% of 50\.0% sparsity; all 2 milestones passed$/m);
      });
    } finally {
      await relay.close();
    }
  });
});
