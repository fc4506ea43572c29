// Per-row derivations from raw CSV strings: numbers, labels and sensitive-attribute groups. Each
// failure is a DataError naming the file, line and column.
import { DataError, type DataErrorLocation } from './errors.ts';
import type { GroupDerivation, LabelSpec } from './spec.ts';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a decimal number strictly (no hex, no empty string, no 'NaN'). */
export function parseNumber(raw: string, where: DataErrorLocation): number {
  if (!NUMBER.test(raw)) {
    throw new DataError(
      `'${raw}' is not a number.`,
      where,
      'fix the value, add the token to dialect.missing, or declare the column categorical.',
    );
  }
  return Number.parseFloat(raw);
}

/** 1 for the positive class, 0 for the negative class. */
export function labelOf(spec: LabelSpec, raw: string, where: DataErrorLocation): 0 | 1 {
  const value = spec.stripTrailingPeriod && raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (spec.threshold !== undefined) {
    const v = parseNumber(value, where);
    return (spec.positiveWhen === 'above' ? v > spec.threshold : v >= spec.threshold) ? 1 : 0;
  }
  if (spec.positive!.includes(value)) return 1;
  if (spec.negative === undefined || spec.negative.includes(value)) return 0;
  throw new DataError(
    `label '${raw}' is neither positive [${spec.positive!.join(', ')}] nor negative [${spec.negative.join(', ')}].`,
    where,
    spec.stripTrailingPeriod || !raw.endsWith('.')
      ? 'add the value to label.positive or label.negative.'
      : 'set label.stripTrailingPeriod: true, or add the value to the label lists.',
  );
}

/** Default bucket names: `<e0`, `[e0, e1)`, …, `>=ek`. */
export function bucketLabels(edges: readonly number[]): string[] {
  const labels = [`<${edges[0]}`];
  for (let i = 1; i < edges.length; i++) labels.push(`[${edges[i - 1]}, ${edges[i]})`);
  labels.push(`>=${edges[edges.length - 1]}`);
  return labels;
}

/** The group names a derivation can produce, in their natural order, or undefined when they come from the data. */
export function declaredGroups(derive: GroupDerivation): string[] | undefined {
  switch (derive.kind) {
    case 'buckets':
      return derive.labels ?? bucketLabels(derive.edges);
    case 'threshold':
      return [derive.atOrBelow, derive.above];
    default:
      return undefined;
  }
}

/** Checks a derivation's own consistency (sorted edges, label count). */
export function checkDerivation(derive: GroupDerivation, where: DataErrorLocation): void {
  if (derive.kind === 'buckets') {
    for (let i = 1; i < derive.edges.length; i++) {
      if (!(derive.edges[i]! > derive.edges[i - 1]!))
        throw new DataError('bucket edges must be strictly increasing.', where);
    }
    if (derive.labels && derive.labels.length !== derive.edges.length + 1) {
      throw new DataError(
        `${derive.edges.length} edges make ${derive.edges.length + 1} buckets but ${derive.labels.length} labels were given.`,
        where,
      );
    }
  }
}

export function groupOf(derive: GroupDerivation, raw: string, where: DataErrorLocation): string {
  switch (derive.kind) {
    case 'identity':
      return raw;
    case 'map': {
      const group = derive.map[raw] ?? derive.default;
      if (group === undefined) {
        throw new DataError(
          `value '${raw}' is not in the group map [${Object.keys(derive.map).join(', ')}].`,
          where,
          'add it to derive.map or set derive.default.',
        );
      }
      return group;
    }
    case 'buckets': {
      const v = parseNumber(raw, where);
      const labels = derive.labels ?? bucketLabels(derive.edges);
      let i = 0;
      while (i < derive.edges.length && v >= derive.edges[i]!) i++;
      return labels[i]!;
    }
    case 'threshold':
      return parseNumber(raw, where) > derive.threshold ? derive.above : derive.atOrBelow;
  }
}
