// Runs one suite (bench/suites/<name>.ts) and prints its rows after a marker line for bench/run.ts.
import type { BenchSuite } from './types.ts';

const name = process.argv[2];
if (!name) throw new Error('usage: run-suite.ts <suite>');
const suite = (await import(`./suites/${name}.ts`)) as { default: BenchSuite };
if (suite.default.needsStack) {
  const { stackUp } = await import('../infra/stack.ts');
  await stackUp(process.env, (line) => console.error(`bench: ${line}`));
}
const rows = await suite.default.run();
process.stdout.write(`\n@@BENCH@@${JSON.stringify(rows)}`);
process.exit(0);
