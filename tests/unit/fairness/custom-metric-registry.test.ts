// A custom metric plugs in through the registry (name, function, zod params) without touching core code.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { rate } from '../../../core/fairness/estimate.ts';
import { MetricRegistry } from '../../../core/fairness/registry.ts';
import { evaluateFairness } from '../../../core/fairness/report.ts';
import { handInput } from './fixtures.ts';

function registryWithFbeta(): MetricRegistry {
  const registry = new MetricRegistry();
  registry.register({
    name: 'fbeta_score',
    description: 'F-beta: (1 + β²)TP / ((1 + β²)TP + β²FN + FP) (van Rijsbergen 1979; scikit-learn fbeta_score).',
    params: z.object({ beta: z.number().positive() }).strict(),
    compute: (s, { beta }) => {
      const b2 = beta * beta;
      return rate((1 + b2) * s.tp, (1 + b2) * s.tp + b2 * s.fn + s.fp, 'no positives and no predicted positives');
    },
  });
  return registry;
}

describe('custom metric registry', () => {
  it('a registered metric gets group values, disparities and CIs in the report', () => {
    const registry = registryWithFbeta();
    const report = evaluateFairness(handInput(), {
      bootstrap: 100,
      registry,
      customMetrics: [{ name: 'fbeta_score', key: 'f2_score', params: { beta: 2 } }],
    });
    // A: TP 2, FN 1, FP 1 → 5·2 / (5·2 + 4·1 + 1) = 10/15
    expect(report.attributes['group']!.groups['A']!['f2_score']!.value).toBeCloseTo(10 / 15, 12);
    // B: TP 1, FN 1, FP 0 → 5/9; C: TP 1, FN 0, FP 1 → 5/6
    expect(report.attributes['group']!.disparities['f2_score_difference']).toMatchObject({ pair: ['C', 'B'] });
    expect(report.attributes['group']!.disparities['f2_score_difference']!.value).toBeCloseTo(5 / 6 - 5 / 9, 12);
    expect(report.overall['f2_score']!.ci).not.toBeNull();
    expect(report.config.custom_metrics).toEqual(['f2_score']);
  });

  it('parameters are validated with the metric’s schema; errors name the field', () => {
    const registry = registryWithFbeta();
    expect(() => registry.resolve([{ name: 'fbeta_score', params: { beta: -1 } }])).toThrow(
      /fbeta_score.*params\.beta/,
    );
    expect(() => registry.resolve([{ name: 'fbeta', params: {} }])).toThrow(
      /unknown custom metric "fbeta"; registered: fbeta_score/,
    );
  });

  it('names must be snake_case and must not shadow built-ins or each other', () => {
    const registry = registryWithFbeta();
    const def = { description: '', params: z.object({}), compute: () => ({ value: 0 }) };
    expect(() => registry.register({ ...def, name: 'accuracy' })).toThrow(/clashes with a built-in/);
    expect(() => registry.register({ ...def, name: 'Bad-Name' })).toThrow(/snake_case/);
    expect(() => registry.register({ ...def, name: 'fbeta_score' })).toThrow(/already registered/);
    expect(() =>
      registry.resolve([
        { name: 'fbeta_score', params: { beta: 1 } },
        { name: 'fbeta_score', params: { beta: 2 } },
      ]),
    ).toThrow(/used twice/);
  });
});
