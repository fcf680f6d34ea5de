import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pesterCounts, playwrightCounts, summary, vitestCounts, type StageCounts, type StageResult } from './test-stages.ts';

/**
 * `npm test` and `npm run test:quick`: the stages one after another, each streaming its own
 * output, then one line per stage with its counts and seconds and a last line
 * `N passed, N failed`. Every stage runs even when an earlier one failed, so one run says
 * everything; the exit code is 1 when anything failed. The stage times are kept in
 * test-results/ (stages.json, quick-stages.json) for `npm run bench`.
 *
 *   node dist/scripts/test.mjs           lint and types, Pester, Vitest, Playwright
 *   node dist/scripts/test.mjs --quick   lint and types, the unit tests (no PowerShell, no browser)
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
const bin = {
  eslint: join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
  tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  svelteCheck: join(root, 'node_modules', 'svelte-check', 'bin', 'svelte-check'),
  vitest: join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  playwright: join(root, 'node_modules', '@playwright', 'test', 'cli.js'),
};

interface Run {
  code: number;
  output: string;
}

/** Runs a command; its output goes to this terminal as it comes (or, `buffered`, all at once when it ends). */
function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; buffered?: boolean; keep?: boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (options.keep || options.buffered) output += chunk.toString();
      if (!options.buffered) stream.write(chunk);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('error', (error) => resolve({ code: 127, output: `${output}${file}: ${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

async function timed(name: string, body: () => Promise<{ counts?: StageCounts; code: number }>): Promise<StageResult> {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = process.hrtime.bigint();
  const { counts, code } = await body();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!counts) return { name, passed: 0, failed: 1, skipped: 0, seconds, problem: `no results to read; exit code ${code}` };
  // A runner that failed although every test it counted passed (a crashed worker, an error
  // outside any test) has failed once more than its counts say.
  if (code !== 0 && counts.failed === 0) return { name, ...counts, failed: 1, seconds, problem: `exit code ${code}` };
  return { name, ...counts, seconds };
}

/** ESLint, tsc and svelte-check side by side (each prints only when it ends): three checks. */
function lintAndTypes(): Promise<StageResult> {
  return timed('Lint and types', async () => {
    const checks = [
      ['eslint', [bin.eslint, '.']],
      ['tsc', [bin.tsc, '-p', 'tsconfig.json']],
      ['svelte-check', [bin.svelteCheck, '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings']],
    ] as const;
    const ran = await Promise.all(checks.map(([, args]) => run(process.execPath, [...args], { buffered: true })));
    let failed = 0;
    ran.forEach((result, index) => {
      const name = checks[index]?.[0] ?? '';
      if (result.code !== 0) {
        failed += 1;
        process.stdout.write(`${name} failed (exit code ${result.code}):\n${result.output}`);
      } else process.stdout.write(`${name}: ok\n`);
    });
    return { counts: { passed: checks.length - failed, failed, skipped: 0 }, code: failed ? 1 : 0 };
  });
}

function pester(): Promise<StageResult> {
  return timed('Pester', async () => {
    const ran = await run('dotnet', ['tool', 'run', 'pwsh', '-NoProfile', '-NonInteractive', '-File', join('tests', 'powershell', 'Invoke-PesterSuites.ps1')], { keep: true });
    // eslint-disable-next-line no-control-regex -- Pester colours its lines; the counts are read without them.
    return { counts: pesterCounts(ran.output.replace(/\x1b\[[0-9;]*m/g, '')), code: ran.code };
  });
}

function vitest(name: string, only?: string): Promise<StageResult> {
  const report = join(results, only ? 'vitest-quick.json' : 'vitest.json');
  return timed(name, async () => {
    rmSync(report, { force: true });
    const ran = await run(process.execPath, [bin.vitest, 'run', ...(only ? [only] : []), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
    return { counts: vitestCounts(report), code: ran.code };
  });
}

function playwright(): Promise<StageResult> {
  const report = join(results, 'playwright.json');
  return timed('Playwright', async () => {
    rmSync(report, { force: true });
    const ran = await run(process.execPath, [bin.playwright, 'test', '--reporter=list,json'], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report } });
    return { counts: playwrightCounts(report), code: ran.code };
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  mkdirSync(results, { recursive: true });
  const stages: StageResult[] = [await lintAndTypes()];
  if (quick) stages.push(await vitest('Unit tests', 'tests/unit'));
  else stages.push(await pester(), await vitest('Vitest'), await playwright());
  const lines = summary(stages);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const failed = stages.reduce((total, stage) => total + stage.failed, 0);
  writeFileSync(join(results, quick ? 'quick-stages.json' : 'stages.json'), `${JSON.stringify({ finishedAt: new Date().toISOString(), quick, stages, failed }, null, 2)}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
