import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runPreview } from '../../electron/preview/run.ts';
import { appFiles } from '../../electron/platform/app-files.ts';
import { labEdges } from './edges.ts';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, scenarioNames, startLabWorld } from './world.ts';

/**
 * `npm run lab [-- --scenario NAME] [-- --no-app]`: starts the lab world on loopback and the app
 * over it, in this process, through the preview host with the lab's edges. The shipped app has
 * no way to be pointed at a lab.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: { scenario: { type: 'string', default: 'healthy' }, 'no-app': { type: 'boolean', default: false } },
});
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
    `  PowerShell runs:  ${world.recordFile}`,
    `  CLI against it:   node dist/lab/cli.mjs ${world.cliArgs.join(' ')} check --internal-url ${LAB_INTERNAL_URL} --external-url ${LAB_EXTERNAL_URL} --tenant-id ${LAB_TENANT_ID}`,
    `  Outbound proxy:   http://proxy.contoso.local:8080 (try the proxy-auth scenario with --proxy)`,
    '',
  ].join('\n'),
);

if (values['no-app']) {
  process.stdout.write('Lab running without the app. Press Ctrl+C to stop.\n');
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      void world.close().then(() => process.exit(0));
    });
} else {
  const headed = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  await runPreview({ files: appFiles(root), edges: labEdges(world.config()), headed, onStop: () => world.close() });
}
