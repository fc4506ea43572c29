// Paired tests of the candidate against the reference on the same rows, per group: exact McNemar tests with
// Holm's adjustment over each attribute's family, the minimum detectable effect, and where the flips fall.
import type { CellIndex } from './groups.ts';
import { exactMcNemarPValue, holmAdjust } from './mcnemar.ts';
import { pairedMinimumDetectableEffect } from './power.ts';
import type { FlipSummary, McNemarResult, PairedTests } from './report-types.ts';

interface PairedCounts {
  rows: Int32Array;
  /** per group: 8 counters (see PAIRED_FIELDS) */
  counts: Int32Array;
  flips: Int32Array; // per group: flipped, to_positive, to_negative, newly_wrong, newly_right
}

function pairedCounts(cells: CellIndex, p: number, label: Uint8Array, cand: Uint8Array, ref: Uint8Array): PairedCounts {
  const partition = cells.partitions[p]!;
  const groups = partition.groupNames.length;
  const rows = new Int32Array(groups);
  const counts = new Int32Array(groups * 8);
  const flips = new Int32Array(groups * 5);
  for (let i = 0; i < label.length; i++) {
    const g = partition.cellToGroup[cells.cellOf[i]!]!;
    rows[g]!++;
    const y = label[i]!;
    const c = cand[i]!;
    const r = ref[i]!;
    const cRight = c === y;
    const rRight = r === y;
    const o = g * 8;
    if (rRight && !cRight) counts[o]!++;
    if (cRight && !rRight) counts[o + 1]!++;
    if (r === 1 && c === 0) counts[o + 2]!++;
    if (c === 1 && r === 0) counts[o + 3]!++;
    if (y === 1 && r === 1 && c === 0) counts[o + 4]!++;
    if (y === 1 && c === 1 && r === 0) counts[o + 5]!++;
    if (y === 0 && r === 1 && c === 0) counts[o + 6]!++;
    if (y === 0 && c === 1 && r === 0) counts[o + 7]!++;
    if (c !== r) {
      const f = g * 5;
      flips[f]!++;
      flips[f + (c === 1 ? 1 : 2)]!++;
      flips[f + (cRight ? 4 : 3)]!++;
    }
  }
  return { rows, counts, flips };
}

export function pairedSections(
  cells: CellIndex,
  p: number,
  label: Uint8Array,
  cand: Uint8Array,
  ref: Uint8Array,
  alpha: number,
  power: number,
): { tests: Record<string, PairedTests>; flips: Record<string, FlipSummary> } {
  const { rows, counts, flips } = pairedCounts(cells, p, label, cand, ref);
  const names = cells.partitions[p]!.groupNames;
  const metricNames = ['accuracy', 'selection_rate', 'true_positive_rate', 'false_positive_rate'] as const;
  const raw: number[] = [];
  names.forEach((_, g) => {
    metricNames.forEach((_m, k) => raw.push(exactMcNemarPValue(counts[g * 8 + 2 * k]!, counts[g * 8 + 2 * k + 1]!)));
  });
  const holm = holmAdjust(raw); // family: every group × metric of this attribute
  const totalRows = label.length;
  let totalFlips = 0;
  for (let g = 0; g < names.length; g++) totalFlips += flips[g * 5]!;
  const tests: Record<string, PairedTests> = {};
  const flipSummary: Record<string, FlipSummary> = {};
  names.forEach((name, g) => {
    const t = {} as PairedTests['tests'];
    metricNames.forEach((m, k) => {
      const result: McNemarResult = {
        reference_only: counts[g * 8 + 2 * k]!,
        candidate_only: counts[g * 8 + 2 * k + 1]!,
        p_value: raw[g * 4 + k]!,
        p_value_holm: holm[g * 4 + k]!,
      };
      t[m] = result;
    });
    const discordant = t.accuracy.reference_only + t.accuracy.candidate_only;
    const mde = pairedMinimumDetectableEffect(rows[g]!, discordant, alpha, power);
    tests[name] = {
      rows: rows[g]!,
      tests: t,
      minimum_detectable_effect:
        mde.value === undefined
          ? { value: null, reason: mde.reason }
          : { value: mde.value, ...(mde.discordance === undefined ? {} : { discordance: mde.discordance }) },
    };
    const f = g * 5;
    const flipped = flips[f]!;
    flipSummary[name] = {
      rows: rows[g]!,
      flipped,
      flip_rate: rows[g]! > 0 ? flipped / rows[g]! : null,
      to_positive: flips[f + 1]!,
      to_negative: flips[f + 2]!,
      newly_wrong: flips[f + 3]!,
      newly_right: flips[f + 4]!,
      over_representation: totalFlips > 0 && rows[g]! > 0 ? flipped / totalFlips / (rows[g]! / totalRows) : null,
    };
  });
  return { tests, flips: flipSummary };
}
