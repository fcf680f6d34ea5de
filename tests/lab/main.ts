import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, scenarioNames, startLabWorld } from './world.ts';

/**
 * `npm run lab [-- --scenario NAME] [-- --no-app]`: starts the lab world on loopback and the
 * app pointed at it (preview host, or Electron where its binary exists).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'healthy' }, 'no-app': { type: 'boolean', default: false } } });
const scenarios = scenarioNames(root);
if (!scenarios.includes(values.scenario)) {
  process.stderr.write(`Unknown scenario "${values.scenario}". Scenarios: ${scenarios.join(', ')}\n`);
  process.exit(2);
}
const world = await startLabWorld({ root, dir: join(root, '.lab'), scenario: values.scenario });
process.stdout.write(
  [
    `Lab world ready (scenario: ${world.scenario}).`,
    `  Scenarios: ${scenarios.join(', ')}`,
    `  Fake NDES:        ${LAB_INTERNAL_URL} (127.0.0.1:${world.ndes?.port})`,
    `  Fake App Proxy:   ${LAB_EXTERNAL_URL} (127.0.0.1:${world.front?.port})`,
    `  PowerShell calls: ${world.recordFile}`,
    `  CLI against it:   NDES_COMPANION_LAB=${world.configFile} npm run -s cli -- check --internal-url ${LAB_INTERNAL_URL} --external-url ${LAB_EXTERNAL_URL} --tenant-id ${LAB_TENANT_ID}`,
    `  Outbound proxy:   http://proxy.contoso.local:8080 (try the proxy-auth scenario with --proxy)`,
    '',
  ].join('\n'),
);

const stop = async (code: number) => {
  await world.close();
  process.exit(code);
};
if (values['no-app']) {
  process.stdout.write('Lab running without the app. Press Ctrl+C to stop.\n');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
} else {
  const child = spawn(process.execPath, [join(root, 'dist', 'scripts', 'start.mjs')], { stdio: 'inherit', env: { ...process.env, ...world.env } });
  child.on('exit', (code) => void stop(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
}
