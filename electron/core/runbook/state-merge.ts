import type { RunbookState } from './state.ts';

/**
 * The runbook state as separate entries (one per step and field), so that two processes
 * sharing the data folder, the app and the CLI, each write back only what they changed and
 * keep what the other wrote meanwhile. Saved state stays a hint: verify() is the truth.
 */
type Entries = Map<string, string>;

const PER_STEP = ['steps', 'inputs', 'readBack', 'confirmations'] as const;
const TOP = ['mode', 'cloudUsedAt', 'host', 'restart'] as const;

export function entriesOf(state: RunbookState): Entries {
  const entries: Entries = new Map();
  for (const field of PER_STEP) {
    for (const [id, value] of Object.entries(state[field]))
      if (value !== undefined) entries.set(`${field}.${id}`, JSON.stringify(value));
  }
  for (const field of TOP) if (state[field] !== undefined) entries.set(field, JSON.stringify(state[field]));
  return entries;
}

/** `disk` with the entries this process changed since `synced` (set or removed) put over it. */
export function mergeChanges(disk: RunbookState, mine: RunbookState, synced: Entries): RunbookState {
  const merged = structuredClone(disk);
  const now = entriesOf(mine);
  const keys = new Set([...now.keys(), ...synced.keys()]);
  for (const key of keys) {
    const value = now.get(key);
    if (value === synced.get(key)) continue;
    const [field, id] = key.split('.') as [string, string | undefined];
    const target = merged as unknown as Record<string, unknown>;
    if (id !== undefined) {
      const group = target[field] as Record<string, unknown>;
      if (value === undefined) Reflect.deleteProperty(group, id);
      else group[id] = JSON.parse(value) as unknown;
    } else if (value === undefined) {
      Reflect.deleteProperty(target, field);
    } else {
      target[field] = JSON.parse(value) as unknown;
    }
  }
  return merged;
}
