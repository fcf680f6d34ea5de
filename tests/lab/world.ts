import { mkdirSync, readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from '../../electron/platform/environment.ts';
import { ScenarioSchema, type StandInRecord } from './powershell/scenario.ts';

/**
 * The lab world on this machine: for now the PowerShell stand-in and its scenario; later
 * issues add the fake NDES, App Proxy front and Entra ID here. Everything it writes lives
 * under one folder, and the app finds it through one file (NDES_COMPANION_LAB).
 */
export interface LabWorld {
  dir: string;
  configFile: string;
  recordFile: string;
  dataDir: string;
  scenario: string;
  env: Record<string, string>;
  useScenario(name: string): void;
  records(): StandInRecord[];
}

export function scenarioFile(root: string, name: string): string {
  return join(root, 'tests', 'lab', 'scenarios', `${name}.json`);
}

export function createLabWorld(options: { root: string; dir: string; scenario?: string }): LabWorld {
  const { root, dir } = options;
  mkdirSync(dir, { recursive: true });
  const standIn = join(root, 'dist', 'lab', 'powershell-stand-in.mjs');
  if (!existsSync(standIn)) throw new Error(`The lab stand-in is not built (${standIn}); run node scripts/build.mjs first.`);
  const configFile = join(dir, 'lab.json');
  const recordFile = join(dir, 'powershell-calls.jsonl');
  const activeScenario = join(dir, 'scenario.json');
  const dataDir = join(dir, 'data');
  writeFileSync(recordFile, '');

  const useScenario = (name: string) => {
    const source = scenarioFile(root, name);
    if (!existsSync(source)) throw new Error(`No lab scenario named "${name}" (looked for ${source}).`);
    ScenarioSchema.parse(JSON.parse(readFileSync(source, 'utf8')));
    copyFileSync(source, activeScenario);
    world.scenario = name;
  };

  const config: LabConfig = {
    powershell: { file: process.execPath, prefixArgs: [standIn, '--scenario', activeScenario, '--record', recordFile] },
    dataDir,
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const world: LabWorld = {
    dir,
    configFile,
    recordFile,
    dataDir,
    scenario: '',
    env: { NDES_COMPANION_LAB: configFile },
    useScenario,
    records: () =>
      readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as StandInRecord),
  };
  useScenario(options.scenario ?? 'healthy');
  return world;
}
