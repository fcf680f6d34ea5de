import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessTable, linuxStartTime, START_TOLERANCE_MS } from '../../electron/platform/process-table.ts';

/**
 * Whether the process that saved a step as running still runs: its id and its start time, read
 * from the operating system (/proc on Linux, Get-Process on Windows, where the Windows workflow
 * runs this file), and held against the wall clock around the spawn, not against our own reading.
 */
let child: ChildProcess | null = null;
afterEach(() => {
  child?.kill();
  child = null;
});

async function spawnLiving(): Promise<{ pid: number; before: number; after: number }> {
  const before = Date.now();
  child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  await new Promise((resolve) => child?.once('spawn', resolve));
  const after = Date.now();
  if (child.pid === undefined) throw new Error('no pid');
  return { pid: child.pid, before, after };
}

describe('the process table', () => {
  it('reads when a process started, as the clock saw it spawn', async () => {
    if (process.platform !== 'linux') return;
    const { pid, before, after } = await spawnLiving();
    const started = linuxStartTime(pid)?.getTime() ?? Number.NaN;
    expect(started).toBeGreaterThanOrEqual(before - START_TOLERANCE_MS);
    expect(started).toBeLessThanOrEqual(after + START_TOLERANCE_MS);
  });

  it('a mark names the process that made it: the same id started at another time is someone else', async () => {
    const table = createProcessTable();
    const { pid, before } = await spawnLiving();
    expect(table.running({ pid, started: new Date(before).toISOString() })).toBe(true);
    expect(table.running({ pid, started: new Date(before - 3_600_000).toISOString() })).toBe(false);
    // State written before start times were recorded: the id has to do.
    expect(table.running({ pid })).toBe(true);
    const ended = new Promise((resolve) => child?.once('exit', resolve));
    child?.kill();
    await ended;
    expect(table.running({ pid, started: new Date(before).toISOString() })).toBe(false);
  });

  it('this process is running, by its own mark', () => {
    const table = createProcessTable();
    const self = table.self();
    expect(self.pid).toBe(process.pid);
    expect(table.running(self)).toBe(true);
  });

  it('counts fields after the command name, which may hold spaces and parentheses (proc(5))', () => {
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
    const files: Record<string, string> = {
      '/proc/42/stat': '42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 1000000 100',
      '/proc/stat': 'cpu  1 2 3\nbtime 1700000000\nprocesses 99\n',
    };
    expect(linuxStartTime(42, (path) => files[path] ?? '')?.toISOString()).toBe(
      new Date(1_700_000_000_000 + 123_450).toISOString(),
    );
  });
});
