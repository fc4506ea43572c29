// The hand-checked vector of docs/references.md ("The hand-checked vector"), shared by the fairness tests.
import type { EvaluationInput } from '../../../core/fairness/report.ts';

export const HAND_GROUP = ['A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'C', 'C', 'C'];
export const HAND_LABEL = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1];
export const HAND_SCORE = [0.92, 0.43, 0.22, 0.61, 0.83, 0.47, 0.12, 0.27, 0.74, 0.58, 0.33, 0.96];
/** A reference model that is right on every row: flips at rows 1 and 3 (A), 5 (B), 9 (C). */
export const HAND_REFERENCE_SCORE = [0.92, 0.63, 0.22, 0.41, 0.83, 0.57, 0.12, 0.27, 0.74, 0.38, 0.33, 0.96];

export const handInput = (extra: Partial<EvaluationInput> = {}): EvaluationInput => ({
  label: HAND_LABEL,
  score: HAND_SCORE,
  sensitive: { group: HAND_GROUP },
  ...extra,
});
