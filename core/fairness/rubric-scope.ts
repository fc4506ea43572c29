// Which of a rubric's constraints a gate applies: the baseline has no reference model yet, so its gate keeps the
// absolute constraints only. Campaign gates and deployment audits both judge through it.
import type { Rubric } from '../config/rubric.ts';

/** 'absolute' gates the baseline on absolute constraints only (no reference yet); 'all' applies the whole rubric. */
export type GateScope = 'absolute' | 'all';

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
export function rubricForScope(rubric: Rubric, scope: GateScope): Rubric {
  if (scope === 'all') return rubric;
  return {
    ...rubric,
    constraints: rubric.constraints.filter((c) => c.relative_to !== 'reference' && !REFERENCE_METRICS.has(c.metric)),
  };
}
