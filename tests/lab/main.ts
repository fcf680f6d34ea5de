import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLabWorld } from './world.ts';

/**
 * `npm run lab [-- --scenario NAME] [-- --no-app]`: starts the lab world on loopback and the
 * app pointed at it (preview host, or Electron where its binary exists).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'healthy' }, 'no-app': { type: 'boolean', default: false } } });
const scenarios = readdirSync(join(root, 'tests', 'lab', 'scenarios')).map((file) => file.replace(/\.json$/, ''));
if (!scenarios.includes(values.scenario)) {
  process.stderr.write(`Unknown scenario "${values.scenario}". Scenarios: ${scenarios.join(', ')}\n`);
  process.exit(2);
}
const world = createLabWorld({ root, dir: join(root, '.lab'), scenario: values.scenario });
process.stdout.write(
  [
    `Lab world ready (scenario: ${world.scenario}; scenarios: ${scenarios.join(', ')}).`,
    `  PowerShell stand-in calls are recorded in ${world.recordFile}`,
    `  To point the CLI at it: NDES_COMPANION_LAB=${world.configFile} npm run cli -- host`,
    '',
  ].join('\n'),
);

if (values['no-app']) {
  process.stdout.write('Lab running without the app. Press Ctrl+C to stop.\n');
  setInterval(() => undefined, 1 << 30);
} else {
  const child = spawn(process.execPath, [join(root, 'dist', 'scripts', 'start.mjs')], { stdio: 'inherit', env: { ...process.env, ...world.env } });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
}
