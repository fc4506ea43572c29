import { describe, expect, it } from 'vitest';
import { groupLabels, loadDataset } from '../../../core/data/index.ts';

describe('bundled example specs', () => {
  it('adult: official train/test files with the row counts of adult.names', async () => {
    const ds = await loadDataset('examples/datasets/adult.yaml');
    // adult.names: 32,561 train and 16,281 test instances; 30,162 / 15,060 without unknowns.
    expect(ds.sources.map((s) => s.rows)).toEqual([32561, 16281]);
    expect(ds.stats).toEqual({ parsedRows: 48842, droppedRows: 3620 });
    expect(ds.splits.train.x.rows + ds.splits.validation.x.rows).toBe(30162);
    expect(ds.splits.test.x.rows).toBe(15060);
    expect(ds.sources[0]!.sha256).toBe('c7a2b4716a97f930123e0baf879188d701e798172631a654fc703d4b082907f3');
    expect(ds.sources[0]!.contentSha256).toBe('5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d');
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
  });

  it('communities and crime: 1,994 rows, racepctblack above its median 0.06 for 970', async () => {
    const ds = await loadDataset('examples/datasets/communities-crime.yaml');
    const all = ['train', 'validation', 'test'] as const;
    expect(all.reduce((n, s) => n + ds.splits[s].x.rows, 0)).toBe(1994);
    const groups = all.flatMap((s) => groupLabels(ds, s, 'black_share'));
    expect(groups.filter((g) => g === 'high')).toHaveLength(970);
    // 122 predictive attributes minus OtherPerCap and the 22 LEMAS columns.
    expect(ds.featureNames).toHaveLength(99);
    expect(ds.featureNames).not.toContain('ViolentCrimesPerPop');
    expect(ds.featureNames).not.toContain('fold');
  });
});
