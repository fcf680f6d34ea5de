import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../lab/world.ts';
import { repoRoot } from './companion.ts';

export type World = Record<string, unknown> & {
  files: Record<string, Record<string, unknown>>;
  scheduledTasks?: Record<string, unknown>;
  restart?: Record<string, unknown>;
};

let worlds = 0;

/**
 * A lab scenario's fake Windows written to a world file of its own (patched first), with an empty
 * record file beside it: one per test, read back afterwards to see what our scripts changed.
 */
export function worldFile(
  dir: string,
  scenario: string,
  patch: (files: World['files'], world: World) => void = () => undefined,
): { state: string; record: string; read(): World } {
  const windows = structuredClone(loadScenario(repoRoot, scenario).windows) as World;
  patch(windows.files, windows);
  worlds += 1;
  const state = join(dir, `world-${worlds}.json`);
  const record = join(dir, `record-${worlds}.jsonl`);
  writeFileSync(state, JSON.stringify(windows));
  writeFileSync(record, '');
  return { state, record, read: () => JSON.parse(readFileSync(state, 'utf8')) as World };
}
