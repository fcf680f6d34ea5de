import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runChecks } from '../electron/core/checks/check.ts';
import { buildChecks, normalizeRequest, type CheckRequest, type CheckServices } from '../electron/core/checks/suite.ts';
import { Redactor } from '../electron/core/store/redact.ts';
import { createHttpProbe } from '../electron/platform/http-probe.ts';
import { createNetProbe } from '../electron/platform/net-probe.ts';
import type { CheckResult } from '../electron/contract/model.ts';
import { scriptCatalogue } from '../electron/core/powershell/catalogue.ts';
import { buildArgv, createPowerShellRunner } from '../electron/platform/powershell-runner.ts';
import { fakeWindowsHost } from '../tests/fake-windows/launcher.ts';
import { CONCURRENCY_BUDGET, concurrencyRatio } from './bench-measures.ts';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, startLabWorld, type LabWorld } from '../tests/lab/world.ts';
import { labEdges, labNames } from '../tests/lab/edges.ts';
import type { StageResult } from './test-stages.ts';

/**
 * `npm run bench`: measures the budgets of docs/reference/design.md §5 against the lab and prints one
 * table. Exits 1 when a measurement is over its budget. Never run as a timed test.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Row {
  what: string;
  measured: string;
  budget: string;
  /** Undefined: nothing to measure yet (shown as "n/a", never as over budget). */
  ok: boolean | undefined;
  /** What the Status column says instead of ok/OVER. */
  status?: string;
}

const TEST_BUDGET_S = 600;
const QUICK_BUDGET_S = 90;

/**
 * The test suite's stages, from the last `npm test` and `npm run test:quick` on this machine
 * (test-results/stages.json, quick-stages.json, written by tools/test.ts): running the whole
 * suite again inside the bench would double its time for the same numbers.
 */
function suiteRows(): Row[] {
  const read = (name: string): { finishedAt: string; stages: StageResult[]; seconds?: number } | undefined => {
    try {
      return JSON.parse(readFileSync(join(root, 'test-results', name), 'utf8')) as {
        finishedAt: string;
        stages: StageResult[];
        seconds?: number;
      };
    } catch {
      return undefined;
    }
  };
  const rows: Row[] = [];
  const full = read('stages.json');
  if (!full)
    rows.push({
      what: '`npm test` stages',
      measured: 'not measured: run npm test first',
      budget: `≤ ${TEST_BUDGET_S} s in all`,
      ok: undefined,
    });
  else {
    for (const stage of full.stages)
      rows.push({
        what: `\`npm test\` stage: ${stage.name} (${stage.passed} passed, ${stage.failed} failed)`,
        measured: `${stage.seconds.toFixed(0)} s`,
        budget: 'part of the whole',
        ok: stage.failed === 0,
        status: stage.failed === 0 ? 'ok' : 'FAILED',
      });
    // Stages run side by side: the whole run is its own measure.
    const total = full.seconds ?? full.stages.reduce((sum, stage) => sum + stage.seconds, 0);
    rows.push({
      what: `\`npm test\`, all its stages after the build (run of ${full.finishedAt})`,
      measured: `${total.toFixed(0)} s`,
      budget: `≤ ${TEST_BUDGET_S} s`,
      ok: total <= TEST_BUDGET_S,
    });
  }
  const quick = read('quick-stages.json');
  const quickTotal = quick ? (quick.seconds ?? quick.stages.reduce((sum, stage) => sum + stage.seconds, 0)) : undefined;
  rows.push(
    quick && quickTotal !== undefined
      ? {
          what: `\`npm run test:quick\`, after the build (run of ${quick.finishedAt})`,
          measured: `${quickTotal.toFixed(0)} s`,
          budget: `≤ ${QUICK_BUDGET_S} s`,
          ok: quickTotal <= QUICK_BUDGET_S,
        }
      : {
          what: '`npm run test:quick`',
          measured: 'not measured: run npm run test:quick first',
          budget: `≤ ${QUICK_BUDGET_S} s`,
          ok: undefined,
        },
  );
  return rows;
}

function rendererGzipKb(): number {
  const assets = join(root, 'dist', 'renderer', 'assets');
  return (
    readdirSync(assets)
      .filter((file) => file.endsWith('.js'))
      .reduce((total, file) => total + gzipSync(readFileSync(join(assets, file)), { level: 9 }).length, 0) / 1024
  );
}

/** The CLI over the lab: its lab entry (dist/lab/cli.mjs), the same CLI with the lab's edges. */
function runCli(args: string[]): Promise<{ ms: number; code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, 'dist', 'lab', 'cli.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout }));
  });
}

function timeProcess(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`${file} exited ${code}`)),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function services(lab: LabWorld): CheckServices {
  const config = lab.config();
  return {
    powershell: createPowerShellRunner({
      host: labEdges(config).powershell,
      scriptsDir: join(root, 'scripts', 'powershell'),
      redactor: new Redactor(),
    }),
    http: createHttpProbe({ names: labNames(config.hosts), trustAnchors: config.trustAnchors }),
    net: createNetProbe({ names: labNames(config.hosts), trustAnchors: config.trustAnchors }),
    now: () => new Date(),
    serviceRoots: config.serviceRoots,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ndes-bench-'));
  const lab = await startLabWorld({ root, dir, scenario: 'healthy' });
  const rows: Row[] = [];
  try {
    const renderer = rendererGzipKb();
    rows.push({
      what: 'Renderer JS, gzip',
      measured: `${renderer.toFixed(1)} KB`,
      budget: '≤ 100 KB',
      ok: renderer <= 100,
    });

    // Readiness against the lab: one run's wall time against the slowest probe of that same run.
    const request: CheckRequest = normalizeRequest({
      scope: 'readiness',
      internalUrl: LAB_INTERNAL_URL,
      tenantId: LAB_TENANT_ID,
      timeoutMs: 5_000,
      longUrlKb: 20,
    });
    await runChecks(buildChecks(request, services(lab)), { timeoutMs: request.timeoutMs }); // warm-up
    const ratios: { ratio: number; wall: number; slowestMs: number; probes: number }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const specs = buildChecks(request, services(lab));
      const started = performance.now();
      const results = await runChecks(specs, { timeoutMs: request.timeoutMs });
      const wall = performance.now() - started;
      ratios.push({ ...concurrencyRatio(results, wall), wall, probes: specs.length });
    }
    const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    rows.push({
      what: `Readiness wall ÷ slowest probe of the same run (${worst.probes} probes, worst of 3)`,
      measured: `${worst.ratio.toFixed(2)} (${worst.wall.toFixed(0)} / ${worst.slowestMs.toFixed(0)} ms)`,
      budget: `≤ ${CONCURRENCY_BUDGET}`,
      ok: worst.ratio <= CONCURRENCY_BUDGET,
    });

    // PowerShell itself: a cold start of pwsh 7.6.9 with the fake Windows loaded, and one full
    // Get-HostReadiness.ps1 run over it (Windows PowerShell 5.1 on a server starts slower).
    const emptyScript = join(dir, 'Empty.ps1');
    writeFileSync(emptyScript, 'exit 0\n');
    const host = fakeWindowsHost(root, { state: join(dir, 'windows.json') });
    const cold: number[] = [];
    const readiness: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      cold.push(
        await timeProcess(host.file, [...host.prefixArgs, '-NoProfile', '-NonInteractive', '-File', emptyScript]),
      );
      readiness.push(
        await timeProcess(host.file, [
          ...host.prefixArgs,
          ...buildArgv(
            join(root, 'scripts', 'powershell', 'Get-HostReadiness.ps1'),
            scriptCatalogue['Get-HostReadiness'],
          ),
        ]),
      );
    }
    rows.push({
      what: 'PowerShell cold start (pwsh 7.6.9 + fake Windows, median of 5)',
      measured: `${median(cold).toFixed(0)} ms`,
      budget: '≤ 2000 ms',
      ok: median(cold) <= 2_000,
    });
    rows.push({
      what: 'Get-HostReadiness.ps1 over the fake Windows, whole process (median of 5)',
      measured: `${median(readiness).toFixed(0)} ms`,
      budget: '≤ 4000 ms',
      ok: median(readiness) <= 4_000,
    });

    // Three black-holed endpoints cost one timeout, not three.
    await lab.useScenario('outbound-blocked');
    const timeoutMs = 2_000;
    const blocked = normalizeRequest({ ...request, timeoutMs });
    const started = performance.now();
    await runChecks(buildChecks(blocked, services(lab)), { timeoutMs });
    const blockedMs = performance.now() - started;
    rows.push({
      what: 'Readiness with 3 black-holed endpoints',
      measured: `${(blockedMs / 1000).toFixed(2)} s`,
      budget: `≤ ${timeoutMs / 1000 + 1} s (timeout ${timeoutMs / 1000} s + 1 s)`,
      ok: blockedMs <= timeoutMs + 1_000,
    });
    await lab.useScenario('healthy');

    // PowerShell processes per readiness run, as the fake Windows' host records its starts.
    const before = lab.records().length;
    await runChecks(buildChecks(request, services(lab)), { timeoutMs: request.timeoutMs });
    const processes = lab.records().length - before;
    rows.push({
      what: 'PowerShell processes per readiness run',
      measured: String(processes),
      budget: '1',
      ok: processes === 1,
    });

    // PowerShell processes per action: the connector install and then the outbound proxy,
    // through the CLI (what-if and for real), as the fake Windows' host records its starts. Only
    // the host identity and the action itself would be other starts; the CLI reads no identity.
    const installer = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';
    const proxy = ['proxy', 'http://proxy.contoso.local:8080', '--ndes-host', 'ndes01.contoso.local'];
    const actionCounts: number[] = [];
    for (const args of [
      ['install', installer, '--what-if'],
      ['install', installer],
      [...proxy, '--what-if'],
      proxy,
      ['proxy', '--undo'],
    ]) {
      const beforeAction = lab.records().length;
      const run = await runCli([...lab.cliArgs, ...args, '--json', '--data-dir', join(dir, 'cli-data')]);
      if (run.code !== 0)
        throw new Error(`ndes-companion ${args.join(' ')} exited ${run.code} against the healthy lab`);
      actionCounts.push(lab.records().length - beforeAction);
    }
    rows.push({
      what: 'PowerShell processes per action (install --what-if, install, proxy --what-if, proxy, proxy --undo)',
      measured: actionCounts.join(', '),
      budget: '1',
      ok: actionCounts.every((count) => count === 1),
    });

    // The CLI, cold, against the lab: a new process each time. Its own cost is the wall time
    // less the one PowerShell run it waits for (the host checks' duration in its report).
    const times: number[] = [];
    const own: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const run = await runCli([
        ...lab.cliArgs,
        'check',
        '--json',
        '--data-dir',
        join(dir, 'cli-data'),
        '--internal-url',
        LAB_INTERNAL_URL,
        '--external-url',
        LAB_EXTERNAL_URL,
        '--tenant-id',
        LAB_TENANT_ID,
      ]);
      if (run.code !== 0) throw new Error(`ndes-companion check exited ${run.code} against the healthy lab`);
      const report = (JSON.parse(run.stdout) as { value: { results: CheckResult[] } }).value.results;
      const powershellMs = Math.max(
        ...report
          .filter((result) => result.group === 'host' || result.group === 'ndes')
          .map((result) => result.durationMs),
      );
      times.push(run.ms);
      own.push(run.ms - powershellMs);
    }
    rows.push({
      what: 'CLI `check` against the lab, cold, less its one PowerShell run (median of 5)',
      measured: `${median(own).toFixed(0)} ms (${median(times).toFixed(0)} ms in all)`,
      budget: '≤ 1000 ms + one PowerShell run',
      ok: median(own) <= 1_000,
    });
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }

  rows.push(...suiteRows());
  const header = ['What', 'Measured', 'Budget', 'Status'];
  const cells = rows.map((row) => [
    row.what,
    row.measured,
    row.budget,
    row.status ?? (row.ok === undefined ? 'n/a' : row.ok ? 'ok' : 'OVER'),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n',
  );
  process.exitCode = rows.every((row) => row.ok !== false) ? 0 : 1;
}

await main();
