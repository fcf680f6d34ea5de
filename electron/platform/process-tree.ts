import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { systemRoot } from './windows-paths.ts';

/** Children of each process, from Linux's /proc (the lab and CI; Windows uses taskkill /T). */
function linuxChildren(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The field after the command name, which is in parentheses and may itself hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // The process ended while we looked: nothing to stop.
    }
  }
  return children;
}

/** Every descendant of pid, deepest last. */
export function descendants(pid: number, children: Map<number, number[]> = linuxChildren()): number[] {
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/**
 * Stops a process and everything it started. Windows: taskkill /T /F by absolute path (the
 * tree as Windows records it). Elsewhere: the descendants are found first, then all killed.
 */
export function killProcessTree(pid: number, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') {
    try {
      execFileSync(`${systemRoot()}\\System32\\taskkill.exe`, ['/PID', String(pid), '/T', '/F'], {
        stdio: 'ignore',
        windowsHide: true,
      });
    } catch {
      // Already gone, or nothing left to stop.
    }
    return;
  }
  for (const target of [pid, ...descendants(pid)]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
