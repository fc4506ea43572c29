// `npm run setup`: install the pinned tool binaries. Called by infra/bootstrap.mjs after npm packages.
import { ensureAllTools, ToolInstallError } from './tools.ts';

try {
  const tools = await ensureAllTools({ log: (line) => console.log(`setup: ${line}`) });
  for (const tool of tools) console.log(`setup: ${tool.name} ${tool.version} (${tool.source}) ${tool.path}`);
} catch (err) {
  if (err instanceof ToolInstallError) {
    console.error(`setup: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
