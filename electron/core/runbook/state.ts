import { stepIds, stepStatuses, type Mode, type StepId, type StepStatus } from '../../contract/model.ts';

/**
 * The runbook's saved state (state.json): what each step last did, the inputs the admin gave,
 * what passed steps read back, offline confirmations, and a restart the installer asked for.
 * A hint, not the truth: verify() is. Read back only as this version wrote it.
 */
export interface RunbookState {
  version: 1;
  mode: Mode;
  /**
   * pid and started: the process that set "running", so another process starting does not call a
   * live run interrupted, and a later process given the same id is not taken for it.
   */
  steps: Partial<Record<StepId, { status: StepStatus; at: string; pid?: number; started?: string }>>;
  inputs: Partial<Record<StepId, Record<string, string>>>;
  /** What a passed step read back that later steps' inputs default to (Publish's URLs), and when. */
  readBack: Partial<Record<StepId, { values: Record<string, string>; at: string }>>;
  /** Offline runbook mode: what the admin recorded from the portal per cloud step. */
  confirmations: Partial<Record<StepId, { lines: string[]; at: string }>>;
  /** When the companion first called Microsoft (sign-in or Graph): offline mode is chosen before that. */
  cloudUsedAt?: string;
  /** This server, as Windows reported it: the portal steps name it. */
  host?: { computerName: string; dnsHostName: string };
  /**
   * A step that may restart the server (the connector installer): when it began, whether the
   * companion arranged to reopen itself (the scheduled task), and the exit code that asked for
   * or started a restart (3010, 1641; null while it runs).
   */
  restart?: PendingRestart;
}

export interface PendingRestart {
  stepId: StepId;
  at: string;
  arranged: boolean;
  code: number | null;
  /** Set once the server is seen to have restarted; the entry then only waits for the task's removal. */
  restartedAt?: string;
  /** The step ended needing no restart, but removing the task failed: it is removed at the next start. */
  settled?: boolean;
}

export function emptyState(): RunbookState {
  return { version: 1, mode: 'guided', steps: {}, inputs: {}, readBack: {}, confirmations: {} };
}

function stringsOf(value: object): Record<string, string> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string'));
}

/** Accepts only what this version wrote; anything else is treated as unreadable. */
export function parseState(raw: unknown): RunbookState {
  if (!raw || typeof raw !== 'object') throw new Error('state is not an object');
  const value = raw as Partial<RunbookState>;
  if (value.version !== 1 || (value.mode !== 'guided' && value.mode !== 'offline'))
    throw new Error('unknown state version');
  const state = emptyState();
  state.mode = value.mode;
  for (const id of stepIds) {
    const saved = value.steps?.[id];
    // A status this version does not know (an earlier version's 'not-available') is not carried: the step starts afresh.
    if (saved && (stepStatuses as readonly unknown[]).includes(saved.status) && typeof saved.at === 'string')
      state.steps[id] = {
        status: saved.status,
        at: saved.at,
        ...(typeof saved.pid === 'number' ? { pid: saved.pid } : {}),
        ...(typeof saved.started === 'string' ? { started: saved.started } : {}),
      };
    const inputs = value.inputs?.[id];
    if (inputs && typeof inputs === 'object') {
      state.inputs[id] = stringsOf(inputs);
    }
    // Absent in files written before steps read values back: nothing is carried then.
    const read = (value.readBack as Record<string, { values?: unknown; at?: unknown } | undefined> | undefined)?.[id];
    if (read && typeof read.at === 'string' && read.values && typeof read.values === 'object')
      state.readBack[id] = { values: stringsOf(read.values), at: read.at };
    const confirmed = (
      value.confirmations as Record<string, { lines?: unknown; at?: unknown } | undefined> | undefined
    )?.[id];
    if (confirmed && typeof confirmed.at === 'string' && Array.isArray(confirmed.lines))
      state.confirmations[id] = {
        lines: confirmed.lines.filter((line): line is string => typeof line === 'string'),
        at: confirmed.at,
      };
  }
  if (typeof value.cloudUsedAt === 'string') state.cloudUsedAt = value.cloudUsedAt;
  const restart = value.restart as Partial<PendingRestart> | undefined;
  if (
    restart &&
    (stepIds as readonly unknown[]).includes(restart.stepId) &&
    typeof restart.at === 'string' &&
    typeof restart.arranged === 'boolean' &&
    (restart.code === null || typeof restart.code === 'number')
  ) {
    state.restart = {
      stepId: restart.stepId as StepId,
      at: restart.at,
      arranged: restart.arranged,
      code: restart.code,
      ...(typeof restart.restartedAt === 'string' ? { restartedAt: restart.restartedAt } : {}),
      ...(restart.settled === true ? { settled: true } : {}),
    };
  }
  const host = value.host as { computerName?: unknown; dnsHostName?: unknown } | undefined;
  if (host && typeof host.computerName === 'string' && typeof host.dnsHostName === 'string')
    state.host = { computerName: host.computerName, dnsHostName: host.dnsHostName };
  return state;
}
