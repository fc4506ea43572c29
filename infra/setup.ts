// `npm run setup`: install the pinned tool binaries and data sets. Called by infra/bootstrap.mjs after npm packages.
// `npm run setup -- --backend tensorflow` also builds the native TensorFlow backend (infra/tfjs-node.ts).
import { ensureAllDatasets } from './datasets.ts';
import { backendFromArgs, BackendSetupError, setupBackend } from './tfjs-node.ts';
import { ensureAllTools } from './tools.ts';
import { InstallError } from './wheels.ts';

try {
  const backend = backendFromArgs(process.argv.slice(2)); // a bad --backend exits 2 before anything is installed
  const tools = await ensureAllTools({ log: (line) => console.log(`setup: ${line}`) });
  for (const tool of tools) console.log(`setup: ${tool.name} ${tool.version} (${tool.source}) ${tool.path}`);
  const datasets = await ensureAllDatasets({ log: (line) => console.log(`setup: ${line}`) });
  console.log(`setup: data sets ${datasets.join(', ')}`);
  if (backend !== undefined) await setupBackend(backend, (line) => console.log(`setup: ${line}`));
} catch (err) {
  if (err instanceof BackendSetupError) {
    console.error(`setup: ${err.message}`);
    process.exit(err.exitCode);
  }
  if (err instanceof InstallError) {
    console.error(`setup: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
