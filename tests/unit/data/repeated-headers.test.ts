import { describe, expect, it } from 'vitest';
import { loadDataset, parseCsv, parseDatasetSpec, uniqueColumnNames } from '../../../core/data/index.ts';
import { bytes } from './fixtures.ts';

const dialect = { delimiter: ',', quote: '"', trim: true, skipLines: 0, header: true };

describe('repeated header names', () => {
  it('the k-th occurrence of a name becomes <name>_<k> (COMPAS: decile_score, decile_score_2)', () => {
    const t = parseCsv(bytes('id,decile_score,priors_count,decile_score,priors_count\n1,3,0,4,0\n'), dialect, 'c.csv');
    expect(t.columns).toEqual(['id', 'decile_score', 'priors_count', 'decile_score_2', 'priors_count_2']);
    expect(uniqueColumnNames(['a', 'a', 'a'])).toEqual(['a', 'a_2', 'a_3']);
  });

  it('skips names the header already has, so every name stays unique', () => {
    expect(uniqueColumnNames(['score', 'score_2', 'score'])).toEqual(['score', 'score_2', 'score_3']);
    expect(uniqueColumnNames(['x', 'x', 'x_2'])).toEqual(['x', 'x_3', 'x_2']);
  });

  it('dialect.columns names them instead; repeated names there are still an error', () => {
    const t = parseCsv(bytes('a,b,a\n1,2,3\n'), { ...dialect, columns: ['a', 'b', 'a_again'] }, 'f.csv');
    expect(t.columns).toEqual(['a', 'b', 'a_again']);
    expect(() => parseCsv(bytes('a,b,a\n1,2,3\n'), { ...dialect, columns: ['a', 'b', 'a'] }, 'f.csv')).toThrow(
      /column name 'a' appears twice/,
    );
  });

  it('a spec can use the renamed column as a feature', async () => {
    const lines = ['id,score,group,score,outcome'];
    for (let i = 0; i < 40; i++) lines.push(`${i},${i % 10},${i % 2 ? 'a' : 'b'},${(i * 3) % 7},${i % 4 < 2 ? 1 : 0}`);
    const spec = parseDatasetSpec({
      name: 'repeated',
      sources: [{ path: 'r.csv' }],
      label: { column: 'outcome', positive: ['1'], negative: ['0'] },
      sensitive: [{ name: 'group', column: 'group' }],
      features: { numeric: ['score', 'score_2'] },
      split: { kind: 'stratified', fractions: { train: 0.5, validation: 0.25, test: 0.25 } },
    });
    const ds = await loadDataset(
      { spec, baseDir: '/nonexistent' },
      { sourceBytes: { 'r.csv': bytes(`${lines.join('\n')}\n`) } },
    );
    expect(ds.featureNames).toEqual(['score', 'score_2']);
  });
});
