import { readFileSync } from 'node:fs';
import { processAlive } from '../core/process-alive.ts';
import type { ProcessMark, ProcessTable } from '../core/ports.ts';
import type { PowerShellHost } from '../core/ports.ts';
import { runScriptSync, windowsPowerShell } from './powershell-runner.ts';

/**
 * How far two readings of one process's start may differ: Node's own uptime against Windows'
 * CreationTime, or /proc's clock ticks rounded. A reused id belongs to a process that started
 * after the first one ended, far more than this later for any step worth recording.
 */
export const START_TOLERANCE_MS = 2000;

// Linux reports start times in clock ticks since boot; USER_HZ is 100 on every architecture
// Linux supports for user space (proc(5): "(22) starttime ... in clock ticks").
const LINUX_TICKS_PER_SECOND = 100;

/** When a Linux process started, from /proc (proc(5)); null when it cannot be read. */
export function linuxStartTime(
  pid: number,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Date | null {
  try {
    const stat = read(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(read('/proc/stat'))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return null;
    return new Date(Number(boot) * 1000 + (ticks * 1000) / LINUX_TICKS_PER_SECOND);
  } catch {
    return null;
  }
}

/** When a Windows process started (Get-Process StartTime, Windows' CreationTime); null when it cannot be read. */
export function windowsStartTime(pid: number, scripts: WindowsScripts): Date | null {
  try {
    const { data } = runScriptSync({
      host: scripts.host ?? windowsPowerShell(),
      scriptsDir: scripts.dir,
      script: 'Get-ProcessStart',
      params: { ProcessId: pid },
      expectedHashes: scripts.expectedHashes ?? null,
    });
    const when = data.started === null ? Number.NaN : Date.parse(data.started);
    return Number.isFinite(when) ? new Date(when) : null;
  } catch {
    return null;
  }
}

/** Where Get-ProcessStart.ps1 is, the hashes it was built with, and the PowerShell that runs it. */
export interface WindowsScripts {
  dir: string;
  expectedHashes?: Readonly<Record<string, string>> | null;
  host?: PowerShellHost;
}

export interface ProcessTableOptions {
  platform?: NodeJS.Platform;
  /** When a process started (null: cannot tell); by default /proc on Linux, PowerShell on Windows. */
  startTime?: (pid: number) => Date | null;
  alive?: (pid: number) => boolean;
  /** On Windows: the companion's scripts (Get-ProcessStart.ps1). */
  scripts?: WindowsScripts;
}

/** Electron's own reading of when this process was created (Windows' CreationTime on Windows); null under Node. */
function electronCreationTime(): Date | null {
  const read = (process as NodeJS.Process & { getCreationTime?: () => number | null }).getCreationTime;
  const when = typeof read === 'function' ? read.call(process) : null;
  return typeof when === 'number' && Number.isFinite(when) ? new Date(when) : null;
}

export function createProcessTable(options: ProcessTableOptions = {}): ProcessTable {
  const platform = options.platform ?? process.platform;
  const startTime =
    options.startTime ??
    (platform === 'linux'
      ? (pid: number) => linuxStartTime(pid)
      : platform === 'win32' && options.scripts
        ? (pid: number) => windowsStartTime(pid, options.scripts as WindowsScripts)
        : () => null);
  const alive = options.alive ?? processAlive;
  // This process's start, read the way another process will read it (Electron's creation time,
  // /proc, or Get-ProcessStart.ps1 once, the first time a step is claimed), else Node's uptime.
  let own: Date | null = null;
  const selfStart = (): Date =>
    (own ??= electronCreationTime() ?? startTime(process.pid) ?? new Date(Date.now() - process.uptime() * 1000));
  return {
    self: () => ({ pid: process.pid, started: selfStart().toISOString() }),
    running(mark: ProcessMark): boolean {
      if (mark.pid !== process.pid && !alive(mark.pid)) return false;
      // Recorded before start times were, or a time that cannot be read now: the id has to do.
      if (mark.started === undefined) return true;
      const recorded = Date.parse(mark.started);
      const actual = mark.pid === process.pid ? selfStart() : startTime(mark.pid);
      if (actual === null || !Number.isFinite(recorded)) return true;
      // One-sided: a process given a reused id was created after the one that recorded it ended.
      // A reading that comes out earlier (an uptime taken after creation, a clock stepped back)
      // never makes a live run look gone.
      return actual.getTime() - recorded <= START_TOLERANCE_MS;
    },
  };
}
