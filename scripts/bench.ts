import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * `npm run bench`: measures the budgets of DESIGN.md §5 that exist so far and prints one
 * table. Exits 1 when a measurement is over its budget. Never run as a timed test.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Row {
  what: string;
  measured: string;
  budget: string;
  ok: boolean | null;
}

function rendererGzipKb(): number {
  const assets = join(root, 'dist', 'renderer', 'assets');
  const bytes = readdirSync(assets)
    .filter((file) => file.endsWith('.js'))
    .reduce((total, file) => total + gzipSync(readFileSync(join(assets, file)), { level: 9 }).length, 0);
  return bytes / 1024;
}

function cliColdMs(args: string[], runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'ndes-companion.mjs'), ...args], { env: { ...process.env, NDES_COMPANION_DATA: join(root, '.lab', 'bench-data') }, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`ndes-companion ${args.join(' ')} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

const renderer = rendererGzipKb();
const cliSteps = cliColdMs(['steps', '--json']);
const rows: Row[] = [
  { what: 'Renderer JS, gzip', measured: `${renderer.toFixed(1)} KB`, budget: '≤ 100 KB', ok: renderer <= 100 },
  { what: 'CLI `steps --json`, cold (median of 5)', measured: `${cliSteps.toFixed(0)} ms`, budget: '≤ 1000 ms (as for `check`)', ok: cliSteps <= 1000 },
];

const header = ['What', 'Measured', 'Budget', 'Status'];
const cells = rows.map((row) => [row.what, row.measured, row.budget, row.ok === null ? 'info' : row.ok ? 'ok' : 'OVER']);
const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)));
const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
process.stdout.write([line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n');
process.exitCode = rows.some((row) => row.ok === false) ? 1 : 0;
