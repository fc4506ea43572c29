// The fault suite's catalogue of fault points in the fault campaign (german-faults.yaml) and the seeded draw that
// deals them into disturbed runs. Every point is an event (the n-th S3 request for a named object, a heartbeat the
// server holds), never a moment on the clock. `order` is where in the campaign the point lies, so each worker
// incarnation carries the faults between the previous kill and its own.
//
// Step types covered: prepare, baseline, prune, fine-tune, evaluate, gate, rollback, quantize, export, held-out,
// finalize (lineage, decision log, dashboard); a worker SIGKILL in each of them. Since prepareDataset and evaluate
// heartbeat (HEARTBEATED_DATA_STEPS_PATCH) a kill inside them costs a minute, their fixed heartbeat timeout, instead of
// the 10-minute start-to-close timeout they had before, so the suite kills one of each.

import type { FaultRule } from '../../core/storage/faults.ts';
import { createRng, shuffleInPlace } from '../../core/random/rng.ts';
import type { Damage, Incarnation } from './campaign-run.ts';

export interface PlannedRun {
  name: string;
  incarnations: Incarnation[];
}

interface FaultPoint {
  order: number;
  /** A worker-process kill ends its incarnation. */
  ends: boolean;
  rule?: FaultRule;
  pause?: { activity: string; epoch: number };
  afterDeath?: Damage[];
}

const put = 'PutObject' as const;

const kill = (order: number, id: string, key: string, afterDeath?: Damage[]): FaultPoint => ({
  order,
  ends: true,
  rule: { id, op: put, key, skip: 0, times: 1, action: 'kill-after' },
  ...(afterDeath === undefined ? {} : { afterDeath }),
});

const s3 = (
  order: number,
  id: string,
  op: FaultRule['op'],
  key: string,
  action: 'error' | 'error-after',
  times: number,
  skip = 0,
): FaultPoint => ({ order, ends: false, rule: { id, op, key, skip, times, action } });

const restart = (order: number, id: string, key: string): FaultPoint => ({
  order,
  ends: false,
  rule: { id: `temporal-restart-${id}`, op: put, key, skip: 0, times: 1, action: 'notify' },
});

const pause = (order: number, activity: string, epoch: number, afterDeath?: Damage[]): FaultPoint => ({
  order,
  ends: true,
  pause: { activity, epoch },
  ...(afterDeath === undefined ? {} : { afterDeath }),
});

const m1 = 'milestone-1/attempt-0';
const m2a0 = 'milestone-2/attempt-0';
const m2a1 = 'milestone-2/attempt-1';

/**
 * Campaign order (decisions: 1 baseline, 2 prune m1, 3 gate m1, 4 accept m1, 5 prune m2/0, 6 gate m2/0, 7 rollback,
 * 8 retry, 9 prune m2/1, 10 gate m2/1, 11 accept m2/1, 12 quantize, 13 held-out, 14 finalize).
 */
export const FAULT_POINTS: FaultPoint[] = [
  // prepare
  s3(0, 'prepare-sources-503', 'any', 'datasets/', 'error', 4),
  s3(0.5, 'prepare-result-lost', put, 'prepare/result.json', 'error-after', 3),
  restart(0.6, 'prepare', 'prepare/result.json'),
  // Inside prepareDataset, after its last write and before it returns (the data set itself was encoded and stored
  // by the reference run, so no other object is written for certain).
  kill(0.65, 'kill-prepare-result', 'prepare/result.json'),
  // baseline
  restart(1, 'baseline-training', 'baseline/progress/epoch-2.bin'),
  pause(1.1, 'trainBaseline', 3, [{ kind: 'delete', key: 'heartbeat' }]),
  kill(1.2, 'kill-baseline-epoch-4', 'baseline/progress/epoch-4.bin'),
  s3(1.3, 'baseline-epoch-5-lost', put, 'baseline/progress/epoch-5.bin', 'error-after', 3),
  s3(1.4, 'baseline-weights-503', put, 'baseline/weights.bin', 'error', 2),
  kill(1.5, 'kill-baseline-result', 'baseline/result.json'),
  s3(3, 'baseline-report-503', put, 'baseline/evaluate/report.json', 'error', 5),
  kill(4, 'kill-baseline-gate', 'baseline/gate/gate.json'),
  // milestone 1
  kill(6, 'kill-m1-prune-weights', `${m1}/prune/weights.bin`),
  kill(6.5, 'kill-m1-prune-result', `${m1}/prune/result.json`, [{ kind: 'delete', key: `${m1}/prune/weights.bin` }]),
  s3(7, 'decision-2-lost', put, 'decisions/00000002.json', 'error-after', 3),
  pause(8, 'finetune', 1, [{ kind: 'corrupt', key: 'heartbeat' }]),
  kill(8.1, 'kill-m1-finetune-epoch-2', `${m1}/finetune/progress/epoch-2.bin`),
  s3(8.5, 'm1-finetune-result-lost', put, `${m1}/finetune/result.json`, 'error-after', 3),
  s3(9, 'm1-evaluate-head-503', 'HeadObject', `${m1}/evaluate/result.json`, 'error', 4),
  // Inside evaluate: after report.json and calibration.json, before its result.
  kill(9.2, 'kill-m1-evaluate-calibration', `${m1}/evaluate/calibration.json`),
  restart(9.5, 'm1-evaluate', `${m1}/evaluate/report.json`),
  s3(10, 'm1-gate-503', put, `${m1}/gate/gate.json`, 'error', 4),
  kill(10.5, 'kill-m1-gate', `${m1}/gate/gate.json`),
  kill(13, 'kill-dashboard-a', 'report.html'),
  // milestone 2, attempt 0 (fails its gate) and the rollback
  s3(14, 'm2a0-masks-503', put, `${m2a0}/prune/masks.bin`, 'error', 4),
  pause(16, 'finetune', 2),
  kill(16.5, 'kill-m2a0-finetune-weights', `${m2a0}/finetune/weights.bin`),
  kill(16.8, 'kill-m2a0-finetune-result', `${m2a0}/finetune/result.json`, [
    { kind: 'corrupt', key: `${m2a0}/finetune/masks.bin` },
  ]),
  s3(18, 'm2a0-gate-lost', put, `${m2a0}/gate/gate.json`, 'error-after', 1),
  s3(20, 'rejected-503', put, `${m2a0}/finetune/rejected.json`, 'error', 4),
  kill(20.5, 'kill-rejected', `${m2a0}/finetune/rejected.json`),
  kill(21, 'kill-rollback-decision', 'decisions/00000007.json'),
  restart(21.5, 'rollback', 'decisions/00000008.json'),
  // milestone 2, attempt 1 (passes)
  kill(23, 'kill-m2a1-prune-result', `${m2a1}/prune/result.json`),
  s3(25, 'm2a1-epoch-2-503', put, `${m2a1}/finetune/progress/epoch-2.bin`, 'error', 3),
  kill(25.5, 'kill-m2a1-finetune-result', `${m2a1}/finetune/result.json`),
  s3(28, 'decision-10-503', put, 'decisions/00000010.json', 'error', 4),
  s3(30, 'dashboard-2-503', put, 'report.html', 'error', 5, 1),
  // quantize
  s3(31, 'quantize-head-503', 'HeadObject', 'quantize/result.json', 'error', 5),
  s3(31.2, 'quantize-weights-lost', put, 'quantize/weights.bin', 'error-after', 3),
  kill(31.4, 'kill-quantize-int8', 'quantize/int8.bin'),
  kill(31.6, 'kill-quantize-result', 'quantize/result.json', [{ kind: 'corrupt', key: 'quantize/int8.bin' }]),
  kill(33, 'kill-quantize-gate', 'quantize/gate/gate.json'),
  // export
  s3(35, 'export-fss8-503', put, 'export/sparse-int8/model.fss8', 'error', 4),
  kill(35.2, 'kill-export-tfjs', 'export/tfjs-standard/model.json'),
  s3(35.4, 'export-reread-503', 'GetObject', 'export/tfjs-standard/model.json', 'error', 3),
  restart(35.6, 'export', 'export/sizes.json'),
  kill(35.8, 'kill-export-sizes', 'export/sizes.json'),
  s3(37, 'export-gate-503', put, 'export/gate/gate.json', 'error', 2),
  kill(37.5, 'kill-export-gate', 'export/gate/gate.json'),
  // held-out verdict
  s3(38, 'held-out-result-lost', put, 'held-out/evaluate/result.json', 'error-after', 3),
  s3(39, 'held-out-gate-head-503', 'HeadObject', 'held-out/gate/gate.json', 'error', 4),
  kill(39.5, 'kill-held-out-gate', 'held-out/gate/gate.json'),
  // finalize
  s3(41, 'lineage-503', put, 'lineage.json', 'error', 4),
  kill(41.5, 'kill-lineage', 'lineage.json'),
  s3(42, 'decision-list-503', 'ListObjectsV2', 'decisions', 'error', 4),
  s3(42.2, 'decision-view-lost', put, 'decisions.jsonl', 'error-after', 3),
  kill(42.5, 'kill-decision-view', 'decisions.jsonl'),
  kill(43, 'kill-dashboard-b', 'report.html'),
];

/** Deals the catalogue into `runs` disturbed runs by a seeded shuffle; each run's points in campaign order. */
export function faultPlan(seed: number, runs = 4): PlannedRun[] {
  const points = [...FAULT_POINTS];
  shuffleInPlace(points, createRng(seed));
  const dealt: FaultPoint[][] = Array.from({ length: runs }, () => []);
  points.forEach((p, i) => dealt[i % runs]!.push(p));
  return dealt.map((group, r) => {
    const incarnations: Incarnation[] = [];
    let current: Incarnation = { rules: [] };
    for (const p of group.sort((a, b) => a.order - b.order)) {
      if (p.rule) current.rules.push(p.rule);
      if (p.pause) current.pauseAfterCheckpoint = p.pause;
      if (p.afterDeath) current.afterDeath = p.afterDeath;
      if (p.ends) {
        incarnations.push(current);
        current = { rules: [] };
      }
    }
    incarnations.push(current);
    return { name: `disturbed-${r + 1}`, incarnations };
  });
}
