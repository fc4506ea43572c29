// Groups per sensitive attribute and their intersections, built on "cells": the finest partition
// (every combination of all sensitive attributes that occurs). Every group of every attribute or
// intersection is a union of cells, so per-cell sufficient statistics add up to per-group ones, and
// resampling within cells keeps every group present in every bootstrap resample.

export type PartitionKind = 'overall' | 'attribute' | 'intersection';

export interface Partition {
  /** Report key: the attribute name, members joined by '&' for an intersection, 'overall' for everyone. */
  key: string;
  kind: PartitionKind;
  members: string[];
  /** Group names, sorted; intersection groups join member values with '&'. */
  groupNames: string[];
  /** cell index -> group index within this partition. */
  cellToGroup: Int32Array;
  /** Set on a small-group view of another partition (see smallGroupViews). */
  view?: PartitionView;
}

/**
 * A partition's groups below a minimum size pooled into one group (the last). The 'adequate' view leaves the pooled
 * group out of its disparities and output; the 'pooled' view keeps it.
 */
export interface PartitionView {
  /** Index of the partition it is a view of. */
  of: number;
  kind: 'adequate' | 'pooled';
  minGroupSize: number;
  /** Index (in this partition) of the group pooling the small ones. */
  pooled: number;
  /** The small groups, as named in the partition viewed, with their rows. */
  small: { group: string; rows: number }[];
}

/** Label of the group that pools a partition's small groups, e.g. pooled(Amer-Indian-Eskimo,Other). */
export const pooledLabel = (groups: readonly string[]): string => `pooled(${groups.join(',')})`;

/** Rows per group of every partition, from the cells. */
export function groupRows(cells: CellIndex): Int32Array[] {
  return cells.partitions.map((p) => {
    const rows = new Int32Array(p.groupNames.length);
    p.cellToGroup.forEach((g, cell) => {
      rows[g]! += cells.cellRows[cell]!.length;
    });
    return rows;
  });
}

/**
 * The two views of partition `of` at a minimum group size: groups at or above it keep their index order, the ones
 * below are merged into one last group. Undefined when no group is below the minimum.
 */
export function smallGroupViews(
  partition: Partition,
  of: number,
  rows: Int32Array,
  minGroupSize: number,
): [Partition, Partition] | undefined {
  const small = partition.groupNames.filter((_, g) => rows[g]! < minGroupSize);
  if (small.length === 0) return undefined;
  const kept = partition.groupNames.filter((_, g) => rows[g]! >= minGroupSize);
  const pooled = kept.length;
  const index = new Map(kept.map((g, i) => [g, i]));
  const cellToGroup = Int32Array.from(partition.cellToGroup, (g) => index.get(partition.groupNames[g]!) ?? pooled);
  const view = (kind: PartitionView['kind']): Partition => ({
    key: partition.key,
    kind: partition.kind,
    members: [...partition.members],
    groupNames: [...kept, pooledLabel(small)],
    cellToGroup,
    view: {
      of,
      kind,
      minGroupSize,
      pooled,
      small: small.map((group) => ({ group, rows: rows[partition.groupNames.indexOf(group)]! })),
    },
  });
  return [view('adequate'), view('pooled')];
}

export interface CellIndex {
  cellOf: Int32Array;
  /** Row indices of each cell. */
  cellRows: Int32Array[];
  /** partitions[0] is 'overall'. */
  partitions: Partition[];
}

export const INTERSECTION_SEPARATOR = '&';
export const OVERALL_KEY = 'overall';
export const OVERALL_GROUP = 'all';

export const intersectionKey = (members: readonly string[]): string => members.join(INTERSECTION_SEPARATOR);

/** All combinations of two or more attributes, in attribute order (sex, race, age -> sex&race, sex&age, race&age, sex&race&age). */
export function allIntersections(attributes: readonly string[]): string[][] {
  const out: string[][] = [];
  const n = attributes.length;
  for (let size = 2; size <= n; size++) {
    const pick = (start: number, chosen: string[]): void => {
      if (chosen.length === size) {
        out.push(chosen);
        return;
      }
      for (let i = start; i < n; i++) pick(i + 1, [...chosen, attributes[i]!]);
    };
    pick(0, []);
  }
  return out;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildCellIndex(
  sensitive: Readonly<Record<string, ArrayLike<string>>>,
  attributes: readonly string[],
  intersections: readonly (readonly string[])[],
  rowCount: number,
): CellIndex {
  for (const attribute of attributes) {
    const column = sensitive[attribute];
    if (column === undefined) throw new Error(`sensitive attribute "${attribute}" has no column`);
    if (column.length !== rowCount) {
      throw new Error(`sensitive attribute "${attribute}" has ${column.length} values for ${rowCount} rows`);
    }
  }
  for (const members of intersections) {
    for (const m of members) {
      if (!attributes.includes(m))
        throw new Error(`intersection ${intersectionKey(members)}: "${m}" is not a sensitive attribute`);
    }
  }
  // Cells are ordered by their values (not by first appearance) so that row order changes nothing.
  const rowKey = (row: number): string[] => attributes.map((a) => sensitive[a]![row]!);
  const keyToValues = new Map<string, string[]>();
  const rowCellKey: string[] = new Array<string>(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const values = rowKey(row);
    const key = values.join('\u0000');
    rowCellKey[row] = key;
    if (!keyToValues.has(key)) keyToValues.set(key, values);
  }
  const cellKeys = [...keyToValues.keys()].sort(compareStrings);
  const cellNumber = new Map(cellKeys.map((k, i) => [k, i]));
  const cellOf = new Int32Array(rowCount);
  const sizes = new Int32Array(cellKeys.length);
  for (let row = 0; row < rowCount; row++) {
    const c = cellNumber.get(rowCellKey[row]!)!;
    cellOf[row] = c;
    sizes[c]!++;
  }
  const cellRows = Array.from(sizes, (size) => new Int32Array(size));
  const fill = new Int32Array(cellKeys.length);
  for (let row = 0; row < rowCount; row++) {
    const c = cellOf[row]!;
    cellRows[c]![fill[c]!++] = row;
  }

  const partitionOf = (key: string, kind: PartitionKind, members: readonly string[]): Partition => {
    const memberIdx = members.map((m) => attributes.indexOf(m));
    const cellGroupName = cellKeys.map((k) => {
      const values = keyToValues.get(k)!;
      return kind === 'overall' ? OVERALL_GROUP : memberIdx.map((i) => values[i]!).join(INTERSECTION_SEPARATOR);
    });
    const groupNames = [...new Set(cellGroupName)].sort(compareStrings);
    const groupNumber = new Map(groupNames.map((g, i) => [g, i]));
    return {
      key,
      kind,
      members: [...members],
      groupNames,
      cellToGroup: Int32Array.from(cellGroupName, (g) => groupNumber.get(g)!),
    };
  };

  const partitions: Partition[] = [partitionOf(OVERALL_KEY, 'overall', [])];
  for (const a of attributes) partitions.push(partitionOf(a, 'attribute', [a]));
  for (const members of intersections) partitions.push(partitionOf(intersectionKey(members), 'intersection', members));
  return { cellOf, cellRows, partitions };
}
