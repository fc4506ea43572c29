// A tiny in-memory data set for the data tests: 40 rows, groups a/b, label yes/no.
import type { DatasetSpecInput, LoadedDatasetSpec } from '../../../core/data/index.ts';
import { parseDatasetSpec } from '../../../core/data/index.ts';

export function tinyCsv(rows = 40): string {
  const lines = ['id,colour,size,group,age,outcome'];
  for (let i = 0; i < rows; i++) {
    const colour = ['red', 'green', 'blue'][i % 3];
    const group = i % 2 === 0 ? 'a' : 'b';
    const outcome = i % 4 < 2 ? 'yes' : 'no';
    lines.push(`${i},${colour},${(i * 1.5).toFixed(1)},${group},${20 + i},${outcome}`);
  }
  return lines.join('\n') + '\n';
}

export function tinySpec(overrides: Partial<DatasetSpecInput> = {}): DatasetSpecInput {
  return {
    name: 'tiny',
    sources: [{ path: 'tiny.csv' }],
    label: { column: 'outcome', positive: ['yes'], negative: ['no'] },
    sensitive: [{ name: 'group', column: 'group' }],
    features: { categorical: ['colour'], numeric: ['size', 'age'] },
    split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 }, seed: 1 },
    ...overrides,
  };
}

export function loaded(spec: DatasetSpecInput): LoadedDatasetSpec {
  return { spec: parseDatasetSpec(spec), baseDir: '/nonexistent' };
}

export const bytes = (text: string) => new TextEncoder().encode(text);
