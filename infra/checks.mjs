// `npm test`'s static checks: `npm run lint` (ESLint + Prettier) and `npm run typecheck` (tsc) side by side. Each is
// one single-threaded process, so on CI's 2 cores together they take about as long as the slower one alone. Each
// check's output is printed as one block when it ends (never interleaved); the exit code is non-zero when either
// failed. Plain Node (no dependency): this runs before anything else of the project is loaded.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const checks = ['lint', 'typecheck'];

function run(script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (err) => output.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`checks: ${script} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s\n`);
      process.stdout.write(Buffer.concat(output));
      resolve(code === 0);
    });
  });
}

const results = await Promise.all(checks.map(run));
process.exit(results.every(Boolean) ? 0 : 1);
