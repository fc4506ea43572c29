// Step "gate": the campaign's rubric applied to an evaluate step's report (core/fairness decideGate).
import { decideGate } from '../../fairness/gate.ts';
import type { FairnessReport } from '../../fairness/report-types.ts';
import { rubricForScope } from '../../fairness/rubric-scope.ts';
import { getCached } from '../../storage/blob-cache.ts';
import { parseJsonBytes, putJson } from '../../storage/json.ts';
import { completedResult, stepDir } from '../../storage/layout.ts';
import type { StepContext } from '../../step/context.ts';
import type { ArtifactRef, GateInput, GateOutput } from '../contracts.ts';
import { fingerprintOf } from '../progress.ts';
import { checkIdentity } from './idempotent.ts';

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
