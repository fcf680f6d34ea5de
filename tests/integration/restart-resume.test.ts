import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../../electron/contract/model.ts';
import { readJournal } from '../../electron/core/store/journal.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { until } from '../helpers/until.ts';
import { worldFile, type World } from '../helpers/world-file.ts';
import { repoRoot, testCompanion } from '../helpers/companion.ts';

/**
 * An installer that needs a restart (3010) or starts one (1641), through the core: our scripts in
 * real PowerShell over the fake Windows (its installer a process of its own, the ScheduledTasks
 * cmdlets and shutdown.exe writing the world file), and a second companion over the same data
 * folder standing in for the one the scheduled task starts after the restart.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PICKED = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';
const APP = 'C:\\Program Files\\NDES Proxy Companion\\NDES Proxy Companion.exe';
const TASK = '\\NDES Proxy Companion\\Resume after restart';
function world(exitCode: number): { state: string; record: string; read(): World } {
  return worldFile(dir, 'installer-needs-restart', (files) => {
    (files[PICKED]?.installer as Record<string, unknown>).exitCode = exitCode;
  });
}

const quiet = (_event: CompanionEvent) => undefined;

describe('an installer that needs a restart', () => {
  it('3010: journals first, a logon task reopens the companion, the restart is offered once, and after it the step is verified and the task removed', async () => {
    const { state, record, read } = world(3010);
    const dataDir = mkdtempSync(join(dir, 'data-'));
    const powershell = fakeWindowsHost(repoRoot, { state, record });
    const before = testCompanion({
      powershell,
      dataDir,
      relaunch: { appPath: APP },
      bootTime: () => new Date(Date.now() - 3_600_000),
    });
    const outcome = await before.companion.runbook.run(
      'connector-install',
      { installerPath: PICKED },
      'install-3010',
      quiet,
    );
    expect(outcome.status).toBe('passed');
    expect(outcome.summary).toContain('restart the server to finish (exit code 3010)');

    // The arrangement was journaled before the installer ran, and the task is there.
    const journal = readJournal(join(dataDir, 'journal.jsonl')).entries;
    const arranged = journal.findIndex((entry) => entry.kind === 'restart-resume');
    const ran = journal.findIndex((entry) => entry.message.startsWith('Running: powershell.exe'));
    expect(arranged).toBeGreaterThanOrEqual(0);
    expect(arranged).toBeLessThan(ran);
    const task = read().scheduledTasks?.[TASK] as {
      actions: { execute: string; arguments: string }[];
      principal: { runLevel: string };
    };
    expect(task.actions[0]).toEqual({ execute: APP, arguments: '--resume-after-restart' });
    expect(task.principal.runLevel).toBe('Highest');
    expect(before.companion.runbook.pendingRestart()).toMatchObject({
      stepId: 'connector-install',
      code: 3010,
      arranged: true,
    });
    expect((await before.companion.handlers['runbook:list']({}, { emit: quiet })).pendingRestart).toMatchObject({
      code: 3010,
    });

    // The restart, when the admin asks for it: shutdown.exe /r with 60 s to cancel; asking twice is said.
    expect(await before.companion.handlers['host:restart']({}, { emit: quiet })).toEqual({
      result: 'restart-scheduled',
      delaySeconds: 60,
    });
    expect(read().restart).toMatchObject({ scheduled: true, delaySeconds: 60, reason: 'p:4:2' });
    expect(await before.companion.handlers['host:restart']({}, { emit: quiet })).toEqual({
      result: 'already-scheduled',
      delaySeconds: 60,
    });
    before.companion.close();

    // After the restart: the companion the task starts.
    const after = testCompanion({
      powershell,
      dataDir,
      relaunch: { appPath: APP },
      bootTime: () => new Date(),
      launchedToResume: true,
    });
    try {
      expect(after.companion.runbook.resumePoint()?.stepId).toBe('connector-install');
      expect(after.companion.runbook.list().find((step) => step.id === 'connector-install')?.status).toBe(
        'interrupted',
      );
      expect(after.companion.runbook.pendingRestart()).toBeNull();
      await until(() => read().scheduledTasks?.[TASK] === undefined, 'the scheduled task to be removed');
      const verified = await after.companion.runbook.verify('connector-install', undefined, 'verify-after', quiet);
      expect(verified.status).toBe('passed');
      const messages = readJournal(join(dataDir, 'journal.jsonl')).entries.map((entry) => entry.message);
      expect(
        messages.some((message) => message.startsWith('The server restarted at') && message.includes('exit code 3010')),
      ).toBe(true);
      await until(
        () =>
          readJournal(join(dataDir, 'journal.jsonl')).entries.some((entry) =>
            entry.message.startsWith('Removed the scheduled task'),
          ),
        'the removal to be journaled',
      );
    } finally {
      after.dispose();
    }
  });

  it('running the install step again does not forget the restart an earlier run asked for', async () => {
    const { state, record } = world(3010);
    const test = testCompanion({
      powershell: fakeWindowsHost(repoRoot, { state, record }),
      relaunch: { appPath: APP },
    });
    try {
      await test.companion.runbook.run('connector-install', { installerPath: PICKED }, 'first', quiet);
      const asked = test.companion.runbook.pendingRestart();
      expect(asked).toMatchObject({ code: 3010 });
      // The connector is there now: the second run installs nothing and must not clear the restart.
      await test.companion.runbook
        .run('connector-install', { installerPath: PICKED }, 'second', quiet)
        .catch(() => undefined);
      expect(test.companion.runbook.pendingRestart()).toMatchObject({ code: 3010, at: asked?.at });
    } finally {
      test.dispose();
    }
  });

  it('an app path the script refuses is said, and the install goes on without the task', async () => {
    const { state, record, read } = world(0);
    const events: CompanionEvent[] = [];
    const test = testCompanion({
      powershell: fakeWindowsHost(repoRoot, { state, record }),
      relaunch: { appPath: 'C:\\Users\\admin\\Downloads\\NDES Proxy Companion.exe' },
    });
    try {
      expect(
        (
          await test.companion.runbook.run('connector-install', { installerPath: PICKED }, 'refused', (event) =>
            events.push(event),
          )
        ).status,
      ).toBe('passed');
      const said = events
        .map((event) => ('message' in event ? event.message : ''))
        .find((message) => message.startsWith('The companion could not arrange to reopen itself'));
      expect(said).toContain('is not an executable under C:\\Program Files');
      expect(read().scheduledTasks).toBeUndefined();
    } finally {
      test.dispose();
    }
  });

  it('started by the task, the companion removes it even when its state does not know the task', async () => {
    // A task as an earlier registration left it, with no trace in the (new) data folder.
    const { state, record, read } = worldFile(dir, 'installer-needs-restart', (_files, windows) => {
      windows.scheduledTasks = {
        [TASK]: {
          taskPath: '\\NDES Proxy Companion\\',
          taskName: 'Resume after restart',
          actions: [{ execute: APP, arguments: '--resume-after-restart' }],
          principal: {
            userId: 'S-1-5-21-1004336348-1177238915-682003330-1104',
            logonType: 'Interactive',
            runLevel: 'Highest',
          },
        },
      };
    });
    expect(read().scheduledTasks?.[TASK]).toBeDefined();
    const opened = testCompanion({
      powershell: fakeWindowsHost(repoRoot, { state, record }),
      relaunch: { appPath: APP },
      launchedToResume: true,
    });
    try {
      await until(() => read().scheduledTasks?.[TASK] === undefined, 'the forgotten task to be removed');
    } finally {
      opened.dispose();
    }
  });

  it('exit code 0: the task arranged before the installer is removed right after it', async () => {
    const { state, record, read } = world(0);
    const test = testCompanion({
      powershell: fakeWindowsHost(repoRoot, { state, record }),
      relaunch: { appPath: APP },
    });
    try {
      expect(
        (await test.companion.runbook.run('connector-install', { installerPath: PICKED }, 'install-0', quiet)).status,
      ).toBe('passed');
      expect(read().scheduledTasks?.[TASK]).toBeUndefined();
      expect(test.companion.runbook.pendingRestart()).toBeNull();
      await expect(test.companion.handlers['host:restart']({}, { emit: quiet })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'No installer is waiting for a restart of this server.',
      });
      expect(read().restart).toBeUndefined();
    } finally {
      test.dispose();
    }
  });

  it('a host that cannot reopen itself (CLI, preview) says so before the installer, and 1641 is kept for the next start', async () => {
    const { state, record, read } = world(1641);
    const events: CompanionEvent[] = [];
    const test = testCompanion({ powershell: fakeWindowsHost(repoRoot, { state, record }) });
    try {
      const outcome = await test.companion.runbook.run(
        'connector-install',
        { installerPath: PICKED },
        'install-1641',
        (event) => events.push(event),
      );
      expect(outcome.summary).toContain('the installer has started a restart of the server (exit code 1641)');
      expect(events.map((event) => ('message' in event ? event.message : ''))).toContain(
        'This host cannot reopen itself after a restart: if the server restarts, open NDES Proxy Companion again (or run ndes-companion resume); it verifies this step.',
      );
      expect(read().scheduledTasks).toBeUndefined();
      expect(test.companion.runbook.pendingRestart()).toMatchObject({ code: 1641, arranged: false });
      // 1641 is a restart already under way: the companion does not start another.
      await expect(test.companion.handlers['host:restart']({}, { emit: quiet })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
    } finally {
      test.dispose();
    }
  });

  it('the plan says how the companion carries on after a restart', () => {
    const test = testCompanion();
    try {
      const plan = test.companion.runbook.plan('connector-install', { installerPath: PICKED });
      const action = plan.actions.find((one) =>
        one.title.startsWith('Before the installer: arrange to carry on after a restart'),
      );
      expect(action?.detail).toContain(
        'scheduled task \\NDES Proxy Companion\\Resume after restart starts the companion elevated at your next logon',
      );
    } finally {
      test.dispose();
    }
  });
});
