import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  pesterCounts,
  playwrightCounts,
  summary,
  vitestCounts,
  type StageCounts,
  type StageResult,
} from './test-stages.ts';

/**
 * `npm test` and `npm run test:quick`: the stages, then one line per stage with its counts and
 * seconds, the whole run's time, and a last line `N passed, N failed`. Every stage runs even when
 * another failed, so one run says everything; the exit code is 1 when anything failed. The stage
 * times are kept in test-results/ (stages.json, quick-stages.json) for `npm run bench`.
 *
 *   node dist/tools/test.mjs           lint and types, Pester, Vitest, Playwright
 *   node dist/tools/test.mjs --quick   lint and types, the unit tests (no PowerShell, no browser)
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
const bin = {
  eslint: join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
  prettier: join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
  tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  svelteCheck: join(root, 'node_modules', 'svelte-check', 'bin', 'svelte-check'),
  vitest: join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  playwright: join(root, 'node_modules', '@playwright', 'test', 'cli.js'),
};

interface Run {
  code: number;
  output: string;
}

/**
 * Runs a command. Its output goes to `sink` as it comes (this terminal, or a stage's buffer when
 * the stage runs beside another); `keep` also returns it.
 */
function run(
  file: string,
  args: string[],
  sink: Sink,
  options: { env?: NodeJS.ProcessEnv; keep?: boolean } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (stream: 'out' | 'err') => (chunk: Buffer) => {
      if (options.keep) output += chunk.toString();
      sink(stream, chunk);
    };
    child.stdout.on('data', take('out'));
    child.stderr.on('data', take('err'));
    child.on('error', (error) => resolve({ code: 127, output: `${output}${file}: ${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

type Sink = (stream: 'out' | 'err', chunk: Buffer | string) => void;
const terminal: Sink = (stream, chunk) => (stream === 'out' ? process.stdout : process.stderr).write(chunk);

/**
 * One stage, timed. A stage that runs beside another (`buffered`) keeps its output and prints it
 * whole when it ends, so two stages never interleave their lines.
 */
async function stage(
  name: string,
  buffered: boolean,
  body: (sink: Sink) => Promise<{ counts?: StageCounts; code: number }>,
): Promise<StageResult> {
  const kept: Buffer[] = [];
  const sink: Sink = buffered ? (_stream, chunk) => kept.push(Buffer.from(chunk)) : terminal;
  if (!buffered) process.stdout.write(`\n=== ${name} ===\n`);
  const started = process.hrtime.bigint();
  const { counts, code } = await body(sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (buffered) process.stdout.write(`\n=== ${name} ===\n${Buffer.concat(kept).toString()}`);
  if (!counts)
    return { name, passed: 0, failed: 1, skipped: 0, seconds, problem: `no results to read; exit code ${code}` };
  // A runner that failed although every test it counted passed (a crashed worker, an error
  // outside any test) has failed once more than its counts say.
  if (code !== 0 && counts.failed === 0) return { name, ...counts, failed: 1, seconds, problem: `exit code ${code}` };
  return { name, ...counts, seconds };
}

/** Prettier, ESLint, the import-loop check, tsc and svelte-check side by side: five checks. */
function lintAndTypes(buffered: boolean): Promise<StageResult> {
  return stage('Lint and types', buffered, async (sink) => {
    const checks = [
      ['prettier', [bin.prettier, '--check', '.']],
      ['eslint', [bin.eslint, '.']],
      ['import loops', [join(root, 'dist', 'tools', 'check-import-loops.mjs')]],
      ['tsc', [bin.tsc, '-p', 'tsconfig.json']],
      ['svelte-check', [bin.svelteCheck, '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings']],
    ] as const;
    const ran = await Promise.all(
      checks.map(([, args]) => run(process.execPath, [...args], () => undefined, { keep: true })),
    );
    let failed = 0;
    ran.forEach((result, index) => {
      const name = checks[index]?.[0] ?? '';
      if (result.code !== 0) {
        failed += 1;
        sink('out', `${name} failed (exit code ${result.code}):\n${result.output}`);
      } else sink('out', `${name}: ok\n`);
    });
    return { counts: { passed: checks.length - failed, failed, skipped: 0 }, code: failed ? 1 : 0 };
  });
}

function pester(buffered: boolean): Promise<StageResult> {
  return stage('Pester', buffered, async (sink) => {
    const ran = await run(
      'dotnet',
      [
        'tool',
        'run',
        'pwsh',
        '-NoProfile',
        '-NonInteractive',
        '-File',
        join('tests', 'powershell', 'Invoke-PesterSuites.ps1'),
      ],
      sink,
      { keep: true },
    );
    // eslint-disable-next-line no-control-regex -- Pester colours its lines; the counts are read without them.
    return { counts: pesterCounts(ran.output.replace(/\x1b\[[0-9;]*m/g, '')), code: ran.code };
  });
}

function vitest(name: string, only?: string): Promise<StageResult> {
  const report = join(results, only ? 'vitest-quick.json' : 'vitest.json');
  return stage(name, false, async (sink) => {
    rmSync(report, { force: true });
    const ran = await run(
      process.execPath,
      [
        bin.vitest,
        'run',
        ...(only ? [only] : []),
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      sink,
    );
    return { counts: vitestCounts(report), code: ran.code };
  });
}

function playwright(): Promise<StageResult> {
  const report = join(results, 'playwright.json');
  return stage('Playwright', false, async (sink) => {
    rmSync(report, { force: true });
    const ran = await run(process.execPath, [bin.playwright, 'test', '--reporter=list,json'], sink, {
      env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report },
    });
    return { counts: playwrightCounts(report), code: ran.code };
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  mkdirSync(results, { recursive: true });
  const started = process.hrtime.bigint();
  const stages: StageResult[] = [];
  if (quick) stages.push(await lintAndTypes(false), await vitest('Unit tests', 'tests/unit'));
  else {
    // The end-to-end tests wait on pages much of the time, and the Pester suites on installers
    // taking turns: side by side they use the cores the other leaves idle. PowerShell stays at
    // one per core whoever starts it (the fake Windows' host takes a slot per start).
    const [checks, powershell, browser] = await Promise.all([lintAndTypes(true), pester(true), playwright()]);
    stages.push(checks, powershell, await vitest('Vitest'), browser);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = summary(stages, seconds);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const failed = stages.reduce((total, one) => total + one.failed, 0);
  writeFileSync(
    join(results, quick ? 'quick-stages.json' : 'stages.json'),
    `${JSON.stringify({ finishedAt: new Date().toISOString(), quick, stages, seconds, failed }, null, 2)}\n`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
