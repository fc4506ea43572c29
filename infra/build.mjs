// `npm run build` (and every bootstrap): compiles the TypeScript that runs (cli, core, activities,
// workers, workflows, infra, bench) to JavaScript in dist/, so commands and workers start without
// compiling at run time, then bundles the workflow code once for workers (dist/workflow-bundle.js).
//
// File by file with ts.transpileModule: tsconfig.json has isolatedModules, so a file compiles the
// same on its own, and `npm run typecheck` (tsc --noEmit) does the type checking. A whole-program
// `tsc` emit takes ~15 s even when nothing changed; this re-compiles only sources newer than their
// output and does nothing at all when nothing changed.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildState } from './build-state.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
export const WORKFLOW_BUNDLE = path.join(dist, 'workflow-bundle.js');

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

async function compilerOptions() {
  const { default: ts } = await import('typescript');
  const file = path.join(root, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, root);
  const options = {
    ...parsed.options,
    noEmit: false,
    // transpileModule cannot see package.json's "type": "module"; NodeNext would emit CommonJS here.
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // Imports carry `.ts` in the sources; the emitted files import `.js`.
    rewriteRelativeImportExtensions: true,
    declaration: false,
    sourceMap: false,
  };
  return { ts, options };
}

/** Compiles what changed; returns what it did. `log` gets one line per step that did something. */
export async function build(log = (line) => console.log(line)) {
  const started = performance.now();
  const state = buildState(root);
  for (const orphan of state.orphans) rmSync(orphan, { force: true });
  const bundleInput = (source) => /^(workflows|core)[\\/]/.test(path.relative(root, source));
  const bundleInputChanged = state.changed.some(({ source }) => bundleInput(source));
  // A stale bundle must never be loaded: remove it before its inputs change, so an interrupted build
  // leaves workers bundling at start rather than running old workflow code.
  if (bundleInputChanged) rmSync(WORKFLOW_BUNDLE, { force: true });
  if (state.changed.length > 0) {
    const { ts, options } = await compilerOptions();
    for (const { source, out } of state.changed) {
      const result = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: options,
        fileName: source,
        reportDiagnostics: true,
      });
      const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length > 0) {
        const text = ts.formatDiagnostics(errors, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => root,
          getNewLine: () => '\n',
        });
        throw new Error(`build: ${path.relative(root, source)} does not compile:\n${text}`);
      }
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, result.outputText);
    }
    log(
      `build: compiled ${state.changed.length} of ${state.sources.length} files to dist/ in ${Math.round(performance.now() - started)} ms`,
    );
  }
  // The bundle holds the workflow code and the pure core modules it imports, plus @temporalio/workflow.
  const bundleTime = mtime(WORKFLOW_BUNDLE);
  const inputsChanged =
    state.orphans.length > 0 ||
    mtime(path.join(root, 'package-lock.json')) > bundleTime ||
    state.sources.some((s) => bundleInput(s) && mtime(s) > bundleTime);
  if (bundleTime < 0 || inputsChanged) {
    rmSync(WORKFLOW_BUNDLE, { force: true });
    const bundleStarted = performance.now();
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(dist, 'workflows', 'index.js'),
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn: (m) => console.warn(m),
        error: (m) => console.error(m),
      },
    });
    writeFileSync(`${WORKFLOW_BUNDLE}.tmp`, code);
    // Renamed into place so a reader never sees half a file.
    renameSync(`${WORKFLOW_BUNDLE}.tmp`, WORKFLOW_BUNDLE);
    log(
      `build: bundled the workflow code (dist/workflow-bundle.js) in ${Math.round(performance.now() - bundleStarted)} ms`,
    );
  }
  return { compiled: state.changed.length, removed: state.orphans.length, ms: performance.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = await build();
    if (result.compiled === 0 && result.removed === 0) {
      console.log(`build: dist/ is up to date (${Math.round(result.ms)} ms)`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
