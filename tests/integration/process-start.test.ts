import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProcessTable, START_TOLERANCE_MS, windowsStartTime } from '../../electron/platform/process-table.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { repoRoot } from '../helpers/companion.ts';
import { worldFile } from '../helpers/world-file.ts';

/**
 * Windows' side of the process table: Get-ProcessStart.ps1 in real PowerShell (over the fake
 * Windows, whose Get-Process is PowerShell's own, reading this machine's real processes), held
 * against the wall clock around a spawn.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-process-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process start time read through PowerShell', () => {
  it('is when the process was spawned; no process, no time; and a later process with that id is not the one recorded', async () => {
    const { state } = worldFile(dir, 'healthy');
    const scripts = { dir: join(repoRoot, 'scripts', 'powershell'), host: fakeWindowsHost(repoRoot, { state }) };
    const before = Date.now();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const after = Date.now();
      const pid = child.pid ?? 0;
      const started = windowsStartTime(pid, scripts)?.getTime() ?? Number.NaN;
      expect(started).toBeGreaterThanOrEqual(before - START_TOLERANCE_MS);
      expect(started).toBeLessThanOrEqual(after + START_TOLERANCE_MS);
      const table = createProcessTable({ platform: 'win32', scripts });
      expect(table.running({ pid, started: new Date(started - 86_400_000).toISOString() })).toBe(false);
    } finally {
      child.kill();
    }
    // The highest id Linux and Windows hand out is far below this.
    expect(windowsStartTime(2_147_483_000, scripts)).toBeNull();
  });
});
