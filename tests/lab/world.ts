import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from './edges.ts';
import { startFakeAppProxy, type FakeAppProxy, type FrontBehaviour } from './appproxy/front.ts';
import { startFakeNdes, type FakeNdes } from './ndes/server.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { startFakeEntra, type FakeEntra } from './entra/fake-entra.ts';
import { startFakeGraph, type FakeGraph } from './entra/fake-graph.ts';
import { resolveScenario, type PowerShellRecord, type Scenario } from './powershell/scenario.ts';
import { createLabCa } from './tls.ts';
import { LAB_TENANT_ID as OUTBOUND_TENANT_ID, startOutboundWorld, type OutboundWorld } from './outbound/world.ts';

export { LAB_TENANT_ID } from './outbound/world.ts';

/**
 * The lab world on this machine: our real scripts in a real PowerShell over the fake Windows
 * of the scenario, a fake NDES, and a fake App Proxy front, all on loopback. Real names
 * (ndes01.contoso.local, ndes-contoso.msappproxy.net) reach them through the lab resolver, and
 * the lab's own entry points find everything through one file (lab.json).
 */
export const LAB_INTERNAL_HOST = 'ndes01.contoso.local';
export const LAB_EXTERNAL_HOST = 'ndes-contoso.msappproxy.net';
export const LAB_INTERNAL_URL = `http://${LAB_INTERNAL_HOST}/`;
export const LAB_EXTERNAL_URL = `https://${LAB_EXTERNAL_HOST}/`;

export interface LabWorld {
  dir: string;
  configFile: string;
  recordFile: string;
  dataDir: string;
  scenario: string;
  /** What the lab's CLI entry takes to find this world: `--lab <configFile>`. */
  cliArgs: string[];
  ndes: FakeNdes | null;
  front: FakeAppProxy | null;
  outbound: OutboundWorld | null;
  /** The lab's Microsoft Entra ID (sign-in), reached as login.microsoftonline.com. */
  entra: FakeEntra | null;
  /** The lab's Microsoft Graph, reached as graph.microsoft.com. */
  graph: FakeGraph | null;
  /** The lab configuration the app reads (hosts follow the current scenario). */
  config(): LabConfig;
  useScenario(name: string): Promise<void>;
  /** Every PowerShell start over the fake Windows since the lab began. */
  records(): PowerShellRecord[];
  /** The current scenario, resolved. */
  current(): Scenario;
  close(): Promise<void>;
}

export function scenarioFile(root: string, name: string): string {
  return join(root, 'tests', 'lab', 'scenarios', `${name}.json`);
}

export function scenarioNames(root: string): string[] {
  return readdirSync(join(root, 'tests', 'lab', 'scenarios'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .sort();
}

export function loadScenario(root: string, name: string): Scenario {
  return resolveScenario((wanted) => {
    const source = scenarioFile(root, wanted);
    if (!existsSync(source))
      throw new Error(`No lab scenario named "${wanted}". Scenarios: ${scenarioNames(root).join(', ')}`);
    return JSON.parse(readFileSync(source, 'utf8'));
  }, name);
}

export async function startLabWorld(options: {
  root: string;
  dir: string;
  scenario?: string;
  servers?: boolean;
}): Promise<LabWorld> {
  const { root, dir } = options;
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'lab.json');
  const recordFile = join(dir, 'powershell-calls.jsonl');
  const windowsFile = join(dir, 'windows.json');
  let scenario: Scenario = loadScenario(root, options.scenario ?? 'healthy');
  const dataDir = join(dir, 'data');
  writeFileSync(recordFile, '');

  let ndes: FakeNdes | null = null;
  let front: FakeAppProxy | null = null;
  let outbound: OutboundWorld | null = null;
  let entra: FakeEntra | null = null;
  let graph: FakeGraph | null = null;
  const fixedHosts: Record<string, string> = {};
  const trustAnchors: string[] = [];
  const serviceRoots: string[] = [];
  if (options.servers !== false) {
    const first = scenario;
    // The lab's stand-in for the public roots Microsoft's endpoints chain to (declared as such
    // in lab.json, by fingerprint), and a TLS-inspection CA as an enterprise would push it into
    // the trust store: both trusted, only one accepted as Microsoft's.
    const [publicCa, inspectionCa] = await Promise.all([
      createLabCa('CN=Lab Public Services Root, O=NDES Proxy Companion lab'),
      createLabCa('CN=Contoso TLS Inspection CA, O=Contoso'),
    ]);
    ndes = await startFakeNdes({ behaviour: first.ndes });
    front = await startFakeAppProxy({
      ca: publicCa,
      backend: ndes.url,
      hostname: LAB_EXTERNAL_HOST,
      behaviour: first.front,
    });
    entra = await startFakeEntra({ ca: publicCa, tenantId: OUTBOUND_TENANT_ID });
    graph = await startFakeGraph({ ca: publicCa, tenantId: OUTBOUND_TENANT_ID, signingKey: entra.signingKey });
    fixedHosts['graph.microsoft.com:443'] = `127.0.0.1:${graph.port}`;
    // The lab's proxy reaches what the internet would: Graph and the app's external URL too.
    outbound = await startOutboundWorld({
      publicCa,
      inspectionCa,
      extraHosts: {
        [`${LAB_EXTERNAL_HOST}:443`]: `127.0.0.1:${front.port}`,
        'graph.microsoft.com:443': `127.0.0.1:${graph.port}`,
      },
      routes: { 'login.microsoftonline.com:443': entra.port },
    });
    fixedHosts[LAB_INTERNAL_HOST] = `127.0.0.1:${ndes.port}`;
    fixedHosts[LAB_EXTERNAL_HOST] = `127.0.0.1:${front.port}`;
    trustAnchors.push(publicCa.certPem, inspectionCa.certPem);
    serviceRoots.push(new X509Certificate(publicCa.certPem).fingerprint256);
  }

  // Faults of the PowerShell process itself are tiny fake executables; everything else is our
  // real script in real PowerShell over the scenario's fake Windows.
  const powershell = (): LabConfig['powershell'] => {
    if (scenario.powershell === 'missing')
      return { file: join(dir, 'no-such-folder', 'powershell.exe'), prefixArgs: [] };
    if (scenario.powershell)
      return {
        file: process.execPath,
        prefixArgs: [join(root, 'tests', 'lab', 'powershell', 'powershell-fault.mjs'), scenario.powershell],
      };
    const host = fakeWindowsHost(root, { state: windowsFile, record: recordFile, languageMode: scenario.languageMode });
    return { file: host.file, prefixArgs: host.prefixArgs };
  };
  const config = (): LabConfig => ({
    powershell: powershell(),
    dataDir,
    hosts: { ...(outbound?.hosts() ?? {}), ...fixedHosts },
    cnames: scenario.dns.cnames,
    trustAnchors,
    serviceRoots,
    closedWorld: true,
  });

  const world: LabWorld = {
    dir,
    configFile,
    recordFile,
    dataDir,
    scenario: '',
    cliArgs: ['--lab', configFile],
    ndes,
    front,
    outbound,
    entra,
    graph,
    config,
    async useScenario(name) {
      scenario = loadScenario(root, name);
      writeFileSync(windowsFile, JSON.stringify(scenario.windows, null, 2));
      await ndes?.use(scenario.ndes);
      front?.use(scenario.front as FrontBehaviour);
      outbound?.use(scenario.outbound);
      graph?.use(scenario.graph);
      writeFileSync(configFile, JSON.stringify(config(), null, 2));
      world.scenario = name;
    },
    records: () =>
      readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const record = JSON.parse(line) as Omit<PowerShellRecord, 'script'>;
          const file = record.argv[record.argv.indexOf('-File') + 1] ?? '';
          return { ...record, script: file.split(/[\\/]/).at(-1) ?? '' };
        }),
    current: () => scenario,
    async close() {
      await graph?.close();
      await entra?.close();
      await outbound?.close();
      await front?.close();
      await ndes?.close();
    },
  };
  await world.useScenario(options.scenario ?? 'healthy');
  return world;
}
