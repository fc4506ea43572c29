// Step "gate": the campaign's rubric applied to an evaluate step's report (core/fairness decideGate).
import type { Rubric } from '../../config/rubric.ts';
import { decideGate } from '../../fairness/gate.ts';
import type { FairnessReport } from '../../fairness/report-types.ts';
import { getCached } from '../../storage/blob-cache.ts';
import { parseJsonBytes, putJson } from '../../storage/json.ts';
import type { ArtifactRef, GateInput, GateOutput } from '../contracts.ts';
import { fingerprintOf } from '../progress.ts';
import { completedResult, stepDir, type StepContext } from '../store.ts';
import { checkIdentity } from './idempotent.ts';

/** Per-group metrics and disparities that only exist against a reference model (core/fairness snapshot.ts). */
const REFERENCE_METRICS = new Set([
  'accuracy_drop',
  'excess_accuracy_gap',
  'flip_rate',
  'max_accuracy_drop',
  'max_excess_accuracy_gap',
  'max_flip_rate',
]);

/** The rubric a gate applies: scope 'absolute' (the baseline, no reference yet) keeps the absolute constraints only. */
export function rubricForScope(rubric: Rubric, scope: GateInput['scope']): Rubric {
  if (scope === 'all') return rubric;
  return {
    ...rubric,
    constraints: rubric.constraints.filter((c) => c.relative_to !== 'reference' && !REFERENCE_METRICS.has(c.metric)),
  };
}

interface GateFile {
  fingerprint: string;
  scope: GateInput['scope'];
  report: ArtifactRef;
  decision: GateOutput['decision'];
}

/**
 * Applies the rubric (core/fairness decideGate) to the report in S3 and writes `<stepDir>/gate.json`. Scope
 * 'absolute' drops constraints with relative_to 'reference' and those on reference-only metrics (ψ_g, accuracy
 * drop, flip rate), which the baseline cannot have. gate.json is the gate's result file (no result.json), so the
 * gate may share the evaluate step's folder.
 */
export async function gate(input: GateInput, ctx: StepContext): Promise<GateOutput> {
  checkIdentity(input);
  const { store } = ctx;
  const key = `${stepDir(input)}/gate.json`;
  const fingerprint = fingerprintOf({ report: input.report.sha256, rubric: input.rubric, scope: input.scope });
  const done = await completedResult<GateFile>(store, key);
  if (done !== undefined && done.fingerprint === fingerprint) {
    const { ref } = await store.getByKey(key);
    return { decision: done.decision, ref };
  }
  const report = parseJsonBytes<FairnessReport>(await getCached(store, input.report), input.report.uri);
  const decision = decideGate(rubricForScope(input.rubric, input.scope), report);
  const file: GateFile = { fingerprint, scope: input.scope, report: input.report, decision };
  const ref = await putJson(store, key, file);
  return { decision, ref };
}
