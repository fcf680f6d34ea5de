import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from '../../electron/platform/environment.ts';
import { startFakeAppProxy, type FakeAppProxy, type FrontBehaviour } from './appproxy/front.ts';
import { startFakeNdes, type FakeNdes } from './ndes/server.ts';
import { resolveScenario, type Scenario, type StandInRecord } from './powershell/scenario.ts';
import { createLabCa } from './tls.ts';

/**
 * The lab world on this machine: the PowerShell stand-in and its scenario, a fake NDES, and
 * a fake App Proxy front, all on loopback. Real names (ndes01.contoso.local,
 * ndes-contoso.msappproxy.net) reach them through the lab resolver, and the app finds
 * everything through one file (NDES_COMPANION_LAB).
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
  env: Record<string, string>;
  ndes: FakeNdes | null;
  front: FakeAppProxy | null;
  useScenario(name: string): Promise<void>;
  records(): StandInRecord[];
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
    if (!existsSync(source)) throw new Error(`No lab scenario named "${wanted}". Scenarios: ${scenarioNames(root).join(', ')}`);
    return JSON.parse(readFileSync(source, 'utf8'));
  }, name);
}

export async function startLabWorld(options: { root: string; dir: string; scenario?: string; servers?: boolean }): Promise<LabWorld> {
  const { root, dir } = options;
  mkdirSync(dir, { recursive: true });
  const standIn = join(root, 'dist', 'lab', 'powershell-stand-in.mjs');
  if (!existsSync(standIn)) throw new Error(`The lab stand-in is not built (${standIn}); run node scripts/build.mjs first.`);
  const configFile = join(dir, 'lab.json');
  const recordFile = join(dir, 'powershell-calls.jsonl');
  const activeScenario = join(dir, 'scenario.json');
  const dataDir = join(dir, 'data');
  writeFileSync(recordFile, '');

  let ndes: FakeNdes | null = null;
  let front: FakeAppProxy | null = null;
  const hosts: Record<string, string> = {};
  const extraCaPem: string[] = [];
  if (options.servers !== false) {
    const first = loadScenario(root, options.scenario ?? 'healthy');
    ndes = await startFakeNdes({ behaviour: first.ndes });
    const ca = await createLabCa('CN=Lab Public Root CA, O=NDES Proxy Companion Lab');
    front = await startFakeAppProxy({ ca, backend: ndes.url, hostname: LAB_EXTERNAL_HOST, behaviour: first.front });
    hosts[LAB_INTERNAL_HOST] = `127.0.0.1:${ndes.port}`;
    hosts[LAB_EXTERNAL_HOST] = `127.0.0.1:${front.port}`;
    extraCaPem.push(ca.certPem);
  }

  const config: LabConfig = {
    powershell: { file: process.execPath, prefixArgs: [standIn, '--scenario', activeScenario, '--record', recordFile] },
    dataDir,
    hosts,
    extraCaPem,
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const world: LabWorld = {
    dir,
    configFile,
    recordFile,
    dataDir,
    scenario: '',
    env: { NDES_COMPANION_LAB: configFile },
    ndes,
    front,
    async useScenario(name) {
      const scenario = loadScenario(root, name);
      writeFileSync(activeScenario, JSON.stringify(scenario, null, 2));
      await ndes?.use(scenario.ndes);
      front?.use(scenario.front as FrontBehaviour);
      world.scenario = name;
    },
    records: () =>
      readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as StandInRecord),
    async close() {
      await front?.close();
      await ndes?.close();
    },
  };
  await world.useScenario(options.scenario ?? 'healthy');
  return world;
}
