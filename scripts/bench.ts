import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runChecks } from '../electron/core/checks/check.ts';
import { buildChecks, normalizeRequest, type CheckRequest, type CheckServices } from '../electron/core/checks/suite.ts';
import { Redactor } from '../electron/core/store/redact.ts';
import { choosePowerShell } from '../electron/platform/environment.ts';
import { createHttpProbe } from '../electron/platform/http-probe.ts';
import { createNetProbe } from '../electron/platform/net-probe.ts';
import { createPowerShellRunner } from '../electron/platform/powershell-runner.ts';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, startLabWorld, type LabWorld } from '../tests/lab/world.ts';

/**
 * `npm run bench`: measures the budgets of DESIGN.md §5 against the lab and prints one
 * table. Exits 1 when a measurement is over its budget. Never run as a timed test.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Row {
  what: string;
  measured: string;
  budget: string;
  ok: boolean;
}

function rendererGzipKb(): number {
  const assets = join(root, 'dist', 'renderer', 'assets');
  return readdirSync(assets)
    .filter((file) => file.endsWith('.js'))
    .reduce((total, file) => total + gzipSync(readFileSync(join(assets, file)), { level: 9 }).length, 0) / 1024;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'ndes-companion.mjs'), ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code }));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function services(lab: LabWorld): CheckServices {
  const config = lab.config();
  return {
    powershell: createPowerShellRunner({ host: choosePowerShell(config), scriptsDir: join(root, 'scripts', 'powershell'), redactor: new Redactor() }),
    http: createHttpProbe({ hosts: config.hosts, extraCaPem: config.extraCaPem, closedWorld: true }),
    net: createNetProbe({ hosts: config.hosts, extraCaPem: config.extraCaPem, closedWorld: true }),
    now: () => new Date(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ndes-bench-'));
  const lab = await startLabWorld({ root, dir, scenario: 'healthy' });
  const rows: Row[] = [];
  try {
    const renderer = rendererGzipKb();
    rows.push({ what: 'Renderer JS, gzip', measured: `${renderer.toFixed(1)} KB`, budget: '≤ 100 KB', ok: renderer <= 100 });

    // Readiness against the lab: all groups at once, versus the slowest probe run on its own.
    const request: CheckRequest = normalizeRequest({ scope: 'readiness', internalUrl: LAB_INTERNAL_URL, tenantId: LAB_TENANT_ID, timeoutMs: 5_000, longUrlKb: 20 });
    await runChecks(buildChecks(request, services(lab)), { timeoutMs: request.timeoutMs }); // warm-up
    const walls: number[] = [];
    let probes = 0;
    for (let i = 0; i < 3; i += 1) {
      const specs = buildChecks(request, services(lab));
      probes = specs.length;
      const started = performance.now();
      await runChecks(specs, { timeoutMs: request.timeoutMs });
      walls.push(performance.now() - started);
    }
    const wall = median(walls);
    let slowest = 0;
    for (const spec of buildChecks(request, services(lab))) {
      const alone = buildChecks(request, services(lab)).find((candidate) => candidate.id === spec.id);
      if (!alone) continue;
      const started = performance.now();
      await runChecks([alone], { timeoutMs: request.timeoutMs });
      slowest = Math.max(slowest, performance.now() - started);
    }
    const ratio = wall / slowest;
    rows.push({ what: `Readiness wall ÷ slowest single probe (${probes} probes)`, measured: `${ratio.toFixed(2)} (${wall.toFixed(0)} / ${slowest.toFixed(0)} ms)`, budget: '≤ 1.25', ok: ratio <= 1.25 });

    // Three black-holed endpoints cost one timeout, not three.
    await lab.useScenario('outbound-blocked');
    const timeoutMs = 2_000;
    const blocked = normalizeRequest({ ...request, timeoutMs });
    const started = performance.now();
    await runChecks(buildChecks(blocked, services(lab)), { timeoutMs });
    const blockedMs = performance.now() - started;
    rows.push({ what: 'Readiness with 3 black-holed endpoints', measured: `${(blockedMs / 1000).toFixed(2)} s`, budget: `≤ ${timeoutMs / 1000 + 1} s (timeout ${timeoutMs / 1000} s + 1 s)`, ok: blockedMs <= timeoutMs + 1_000 });
    await lab.useScenario('healthy');

    // PowerShell processes per readiness run, counted by the stand-in itself.
    const before = lab.records().length;
    await runChecks(buildChecks(request, services(lab)), { timeoutMs: request.timeoutMs });
    const processes = lab.records().length - before;
    rows.push({ what: 'PowerShell processes per readiness run', measured: String(processes), budget: '1', ok: processes === 1 });

    // The CLI, cold, against the lab: a new process each time.
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const run = await runCli(['check', '--internal-url', LAB_INTERNAL_URL, '--external-url', LAB_EXTERNAL_URL, '--tenant-id', LAB_TENANT_ID], { ...lab.env, NDES_COMPANION_DATA: join(dir, 'cli-data') });
      if (run.code !== 0) throw new Error(`ndes-companion check exited ${run.code} against the healthy lab`);
      times.push(run.ms);
    }
    const cold = median(times);
    rows.push({ what: 'CLI `check` against the lab, cold (median of 5)', measured: `${cold.toFixed(0)} ms`, budget: '≤ 1000 ms', ok: cold <= 1_000 });
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const header = ['What', 'Measured', 'Budget', 'Status'];
  const cells = rows.map((row) => [row.what, row.measured, row.budget, row.ok ? 'ok' : 'OVER']);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n');
  process.exitCode = rows.every((row) => row.ok) ? 0 : 1;
}

await main();
