import { describe, expect, it } from 'vitest';
import { groupLabels, loadDataset } from '../../../core/data/index.ts';

describe('example specs on the pinned public data sets', () => {
  it('adult: official train/test files with the row counts of adult.names', async () => {
    const ds = await loadDataset('examples/datasets/adult.yaml');
    // adult.names: 32,561 train and 16,281 test instances; 30,162 / 15,060 without unknowns.
    expect(ds.sources.map((s) => s.rows)).toEqual([32561, 16281]);
    expect(ds.stats).toEqual({ parsedRows: 48842, droppedRows: 3620 });
    expect(ds.splits.train.x.rows + ds.splits.validation.x.rows).toBe(30162);
    expect(ds.splits.test.x.rows).toBe(15060);
    expect(ds.sources.map((s) => s.path)).toEqual(['dataset:adult/adult.data', 'dataset:adult/adult.test']);
    expect(ds.sources[0]!.sha256).toBe('5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d');
    // The data set's identity from before the files left the repository (then a gzip copy of the same bytes), so
    // results recorded on it stay comparable.
    expect(ds.datasetId).toBe('c97a4fadb89f57e2e98ffb8deab5d9ed56f3c9601137d475566c6893013c2515');
    expect(ds.sensitive.map((s) => [s.name, s.groups])).toEqual([
      ['sex', ['Female', 'Male']],
      ['race', ['Amer-Indian-Eskimo', 'Asian-Pac-Islander', 'Black', 'Other', 'White']],
    ]);
    // Test labels '>50K.' count as positive: 3,700 of 15,060 in the rows without unknowns.
    expect(ds.splits.test.y.reduce((a, b) => a + b, 0)).toBe(3700);
    expect(ds.featureNames).toContain('workclass=<unseen>');
    expect(ds.splits.train.x.cols).toBe(ds.featureNames.length);
  });

  it('german credit: 1,000 rows, 700 good, sex from personal status (310 female), age buckets', async () => {
    const ds = await loadDataset('examples/datasets/german-credit.yaml');
    const all = ['train', 'validation', 'test'] as const;
    expect(all.reduce((n, s) => n + ds.splits[s].x.rows, 0)).toBe(1000);
    expect(all.reduce((n, s) => n + ds.splits[s].y.reduce((a, b) => a + b, 0), 0)).toBe(700);
    const sex = all.flatMap((s) => groupLabels(ds, s, 'sex'));
    expect(sex.filter((g) => g === 'female')).toHaveLength(310);
    const age = all.flatMap((s) => groupLabels(ds, s, 'age_group'));
    expect(age.filter((g) => g === '<=25')).toHaveLength(190);
    expect(ds.sensitive[1]!.groups).toEqual(['<=25', '26-45', '>=46']);
    expect(ds.datasetId).toBe('c56b1798a858f0a8603539ae6c6212f8da6130384496be1a2b70666c4f7391f0');
  });

  it("compas: ProPublica's selection keeps 6,172 of 7,214 rows, the two-group comparison 5,278", async () => {
    const ds = await loadDataset('examples/datasets/compas.yaml');
    expect(ds.stats.parsedRows).toBe(7214);
    expect(ds.stats.filter).toEqual([
      { predicate: 'days_b_screening_arrest in [-30, 30]', rowsIn: 7214, rowsOut: 6172 },
      { predicate: 'is_recid not in {-1}', rowsIn: 6172, rowsOut: 6172 },
      { predicate: "c_charge_degree not in {'O'}", rowsIn: 6172, rowsOut: 6172 },
      { predicate: "score_text not in {'N/A'}", rowsIn: 6172, rowsOut: 6172 },
      { predicate: "race in {'African-American', 'Caucasian'}", rowsIn: 6172, rowsOut: 5278 },
    ]);
    const all = ['train', 'validation', 'test'] as const;
    expect(all.reduce((n, s) => n + ds.splits[s].x.rows, 0)).toBe(5278);
    const race = all.flatMap((s) => groupLabels(ds, s, 'race'));
    expect(race.filter((g) => g === 'African-American')).toHaveLength(3175);
    expect(ds.sensitive.map((s) => [s.name, s.groups])).toEqual([
      ['race', ['African-American', 'Caucasian']],
      ['sex', ['Female', 'Male']],
    ]);
  });
});
