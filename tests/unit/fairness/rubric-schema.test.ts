// The rubric schema: the example parses, errors name the bad field's path and the fix, and the
// committed JSON Schema equals the one generated from the zod schema.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRubric, parseRubricText, RubricError, rubricJsonSchema } from '../../../core/config/rubric.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const exampleText = readFileSync(`${root}examples/rubric.yaml`, 'utf8');

const problemsOf = (text: string, source = 'r.yaml'): string[] => {
  try {
    parseRubricText(text, source);
  } catch (err) {
    expect(err).toBeInstanceOf(RubricError);
    const e = err as RubricError;
    return e.problems.length > 0 ? e.problems : [e.message];
  }
  throw new Error('expected a RubricError');
};

const minimal = (constraint: string): string =>
  `version: 1\nname: t\nconstraints:\n  - id: c1\n    metric: equalized_odds_difference\n${constraint}`;

describe('rubric schema', () => {
  it('parses the example rubric with defaults filled in', () => {
    const rubric = parseRubricText(exampleText, 'examples/rubric.yaml');
    expect(rubric.name).toBe('adult-income-fairness');
    expect(rubric.min_group_size).toBe(50);
    expect(rubric.constraints.map((c) => c.id)).toEqual([
      'eod-sex',
      'excess-accuracy-gap-race',
      'worst-group-accuracy-drop',
      'overall-accuracy-vs-reference',
      'no-harm-accuracy-sex',
      'no-harm-tpr-sex',
      'no-harm-selection-rate-sex',
    ]);
    expect(rubric.constraints[0]).toMatchObject({
      comparator: '<=',
      threshold: 0.1,
      aggregation: 'value',
      relative_to: 'absolute',
    });
    expect(rubric.constraints[2]!.intersection).toEqual(['sex', 'race']);
  });

  it('accepts JSON', () => {
    const rubric = parseRubricText(
      JSON.stringify({
        version: 1,
        name: 'j',
        constraints: [{ id: 'a', metric: 'accuracy', comparator: '>=', threshold: 0.8 }],
      }),
      'r.json',
    );
    expect(rubric.uncertainty).toBe('ci_bound');
  });

  it('names the path of a bad comparator and the fix', () => {
    const [problem] = problemsOf(minimal('    attribute: sex\n    comparator: le\n    threshold: 0.1\n'));
    expect(problem).toMatch(/^r\.yaml: constraints\[0\]\.comparator: /);
    expect(problem).toMatch(/Fix: use one of "<=", "<", ">=", ">"/);
  });

  it('names unknown keys, missing fields and wrong types', () => {
    const problems = problemsOf(
      minimal('    attribute: sex\n    comparator: "<="\n    threshold: high\n    treshold: 1\n'),
    );
    expect(
      problems.some((p) => p.startsWith('r.yaml: constraints[0].threshold:') && p.includes('Fix: give a number')),
    ).toBe(true);
    expect(
      problems.some((p) => p.startsWith('r.yaml: constraints[0].treshold:') && p.includes('check its spelling')),
    ).toBe(true);
    const missing = problemsOf('version: 1\nname: t\n');
    expect(missing[0]).toMatch(/^r\.yaml: constraints: .*Fix: list at least one constraint/);
  });

  it('rejects attribute and intersection together, max without an attribute, and duplicate ids', () => {
    expect(
      problemsOf(
        minimal('    attribute: sex\n    intersection: [sex, race]\n    comparator: "<="\n    threshold: 0.1\n'),
      )[0],
    ).toMatch(/constraints\[0\]\.intersection: give either attribute or intersection/);
    expect(problemsOf(minimal('    aggregation: max\n    comparator: "<="\n    threshold: 0.1\n'))[0]).toMatch(
      /constraints\[0\]\.aggregation: .*give an attribute/,
    );
    const dup = () =>
      parseRubric({
        version: 1,
        name: 'd',
        constraints: [
          { id: 'x', metric: 'accuracy', comparator: '>=', threshold: 0 },
          { id: 'x', metric: 'accuracy', comparator: '>=', threshold: 0 },
        ],
      });
    expect(dup).toThrow(/constraints\[1\]\.id: duplicate id "x"/);
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem] = problemsOf('version: 1\nname: t\nconstraints:\n  - id: a\n   metric: x\n');
    expect(problem).toMatch(/^r\.yaml: not valid YAML at line \d+, column \d+/);
    expect(problemsOf('   \n')[0]).toMatch(/file is empty/);
  });

  it('the committed examples/rubric.schema.json equals the generated JSON Schema', () => {
    const committed: unknown = JSON.parse(readFileSync(`${root}examples/rubric.schema.json`, 'utf8'));
    expect(committed).toEqual(rubricJsonSchema());
    const schema = rubricJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'name', 'constraints']));
  });
});
