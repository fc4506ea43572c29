// What `fairshrink evaluate` prints: the report's headline metrics per group, with CIs, and the gate's verdict.
import type { GateDecision } from '../../core/fairness/gate.ts';
import type { FairnessReport, MetricValue } from '../../core/fairness/report-types.ts';

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(3));
const withCi = (mv: MetricValue | undefined): string => {
  if (mv === undefined) return '—';
  if (mv.value === null) return `undefined (${mv.reason ?? 'no reason'})`;
  return mv.ci === null ? fmt(mv.value) : `${fmt(mv.value)} [${fmt(mv.ci[0])}, ${fmt(mv.ci[1])}]`;
};

/** Width of a metric column in the summary table: the longest header ("selection", 9) and a space. */
const COLUMN = 10;

const ciWords = (method: FairnessReport['config']['ci_method']): string =>
  method === 'simultaneous' ? 'percentile CIs (simultaneous for max/min over groups)' : `${method} CIs`;

export function summary(report: FairnessReport, gate: GateDecision | undefined, out: string): string {
  const lines: string[] = [];
  const c = report.config;
  lines.push(
    `fairshrink evaluate: ${report.rows} rows, threshold ${c.threshold}, ${c.bootstrap} bootstrap resamples (seed ${c.seed}), ${Math.round(c.ci_level * 100)}% ${ciWords(c.ci_method)}`,
  );
  const o = report.overall;
  lines.push(
    `overall: accuracy ${withCi(o['accuracy'])}, selection_rate ${withCi(o['selection_rate'])}, roc_auc ${withCi(o['roc_auc'])}`,
  );
  if (report.delta) {
    lines.push(
      `vs reference: Δaccuracy ${withCi(report.delta.overall['accuracy'])}, flip_rate ${withCi(o['flip_rate'])}, flipped rows ${report.flipped_rows?.count ?? 0}`,
    );
  }
  const cols = ['accuracy', 'selection_rate', 'true_positive_rate', 'false_positive_rate'];
  for (const [key, attr] of Object.entries(report.attributes)) {
    lines.push('');
    lines.push(`${key} (${Object.keys(attr.groups).length} groups)`);
    const width = Math.max(5, ...Object.keys(attr.groups).map((g) => g.length));
    lines.push(
      `  ${'group'.padEnd(width)}  ${'rows'.padStart(7)}  ${['accuracy', 'selection', 'TPR', 'FPR'].map((h) => h.padStart(COLUMN)).join('')}`,
    );
    for (const [g, metrics] of Object.entries(attr.groups)) {
      const small = attr.group_info[g]?.below_min_group_size ? '  (small)' : '';
      lines.push(
        `  ${g.padEnd(width)}  ${String(attr.group_info[g]?.rows ?? '').padStart(7)}  ${cols.map((m) => fmt(metrics[m]?.value).padStart(COLUMN)).join('')}${small}`,
      );
    }
    const show = [
      'demographic_parity_difference',
      'equalized_odds_difference',
      'equal_opportunity_difference',
      'worst_group_accuracy',
    ];
    if (report.delta) show.push('max_accuracy_drop', 'max_excess_accuracy_gap', 'max_flip_rate');
    for (const m of show) {
      const d = attr.disparities[m];
      if (d === undefined) continue;
      const pair = d.pair && d.pair.length > 0 ? ` (${d.pair.join(' vs ')})` : '';
      lines.push(`  ${m}: ${withCi(d)}${pair}`);
    }
    if (attr.small_groups.length > 0) {
      lines.push(`  groups below min_group_size ${c.min_group_size}: ${attr.small_groups.join(', ')}`);
    }
  }
  if (gate) {
    lines.push('');
    lines.push(`gate "${gate.rubric}": ${gate.status.toUpperCase()}: ${gate.reason}`);
    const mark = { pass: 'PASS', fail: 'FAIL', 'insufficient-evidence': 'INSUFFICIENT' } as const;
    for (const d of gate.constraints) lines.push(`  ${mark[d.status].padEnd(12)} ${d.id}: ${d.reason}`);
  }
  lines.push('');
  lines.push(`report written to ${out}`);
  return lines.join('\n');
}
