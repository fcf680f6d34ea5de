import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompanionEvent, StepOutcome } from '../../electron/contract/model.ts';
import { CompanionError } from '../../electron/core/errors.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { until } from '../helpers/until.ts';
import { worldFile, type World } from '../helpers/world-file.ts';
import { repoRoot, testCompanion } from '../helpers/companion.ts';

/**
 * The install step end to end through the core: the real runner starts our script in real
 * PowerShell over a fake Windows whose installer is its own process. One world file per test.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PICKED = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';
function world(patch: (files: World['files'], world: World) => void = () => undefined): {
  state: string;
  record: string;
  read(): World;
} {
  return worldFile(dir, 'healthy', patch);
}
function installer(files: World['files']): Record<string, unknown> {
  return files[PICKED]?.installer as Record<string, unknown>;
}

function companionFor(state: string, record: string) {
  const test = testCompanion({ powershell: fakeWindowsHost(repoRoot, { state, record }) });
  const events: CompanionEvent[] = [];
  return { ...test, events, emit: (event: CompanionEvent) => events.push(event) };
}

/** Every process command line now (Linux /proc): what is still running. */
function commandLines(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        const file = join('/proc', pid, 'cmdline');
        return existsSync(file) ? readFileSync(file, 'utf8').replaceAll('\0', ' ') : '';
      } catch {
        return '';
      }
    });
}

describe('connector install through the core', () => {
  it('installs from the checked copy with one PowerShell process, a rising progress bar, and the journal', async () => {
    const { state, record, read } = world();
    const test = companionFor(state, record);
    try {
      const outcome = await test.companion.runbook.run(
        'connector-install',
        { installerPath: PICKED },
        'install-1',
        test.emit,
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toBe('Connector 1.5.4287.0 installed; WAPCSvc and WAPCUpdaterSvc are running.');
      expect(outcome.evidence?.join('\n')).toContain('Exit code 0: success');
      const percents = test.events.flatMap((event) => (event.percent === undefined ? [] : [event.percent]));
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(percents.length).toBeGreaterThanOrEqual(5);
      expect(readFileSync(record, 'utf8').trim().split('\n')).toHaveLength(1);
      expect(read().installerRuns).toHaveLength(1);
      const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8');
      expect(journal).toContain(
        'Running: powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Install-Connector.ps1 -InstallerPath',
      );
      expect(journal).toContain('"kind":"run-result"');
      const verified = await test.companion.runbook.verify('connector-install', {}, 'verify-1', test.emit);
      expect(verified.status).toBe('passed');
      expect(verified.evidence?.join('\n')).toMatch(/WAPCSvc: Running, start Automatic/);
    } finally {
      test.dispose();
    }
  });

  it('-WhatIf checks and changes nothing, and the step keeps its status', async () => {
    const { state, record, read } = world();
    const test = companionFor(state, record);
    try {
      const outcome = await test.companion.runbook.run(
        'connector-install',
        { installerPath: PICKED },
        'what-if-1',
        test.emit,
        true,
      );
      expect(outcome.status).toBe('not-started');
      expect(outcome.summary).toMatch(
        /^-WhatIf: the installer is Microsoft's \(version 1\.5\.4287\.0\); nothing was copied or run\./,
      );
      expect(read().installerRuns).toBeUndefined();
      expect(test.companion.runbook.list().find((step) => step.id === 'connector-install')?.status).toBe('not-started');
    } finally {
      test.dispose();
    }
  });

  it('cancel before the transaction stops PowerShell and the installer it started; the step can run again', async () => {
    const { state, record } = world((files) => Object.assign(installer(files), { hang: 'before-transaction' }));
    const test = companionFor(state, record);
    try {
      const running = test.companion.runbook
        .run('connector-install', { installerPath: PICKED }, 'cancel-1', test.emit)
        .catch((error: unknown) => error);
      await until(
        () => commandLines().some((line) => line.includes('Invoke-FakeInstaller.ps1') && line.includes(state)),
        'the installer process',
      );
      expect(test.companion.runbook.cancel('cancel-1')).toEqual({ cancelled: true });
      const error = await running;
      expect(error).toBeInstanceOf(CompanionError);
      expect((error as CompanionError).code).toBe('CANCELLED');
      await until(() => !commandLines().some((line) => line.includes(state)), 'every process of this world to end');
      const verified = await test.companion.runbook.verify('connector-install', {}, 'cancel-verify', test.emit);
      expect(verified.summary).toBe('The private network connector is not installed on this server.');
    } finally {
      test.dispose();
    }
  });

  it('cancel inside the Windows Installer transaction is refused with the reason, and the step finishes and verifies', async () => {
    const { state, record } = world((files) => Object.assign(installer(files), { transactionMs: 6000 }));
    const test = companionFor(state, record);
    try {
      const running = test.companion.runbook.run(
        'connector-install',
        { installerPath: PICKED },
        'guarded-1',
        test.emit,
      );
      await until(
        () => test.events.some((event) => event.message.startsWith('From now on Cancel is refused')),
        'the transaction to begin',
      );
      const refused = test.companion.runbook.cancel('guarded-1');
      expect(refused.cancelled).toBe(false);
      expect(refused.reason).toMatch(
        /^Windows Installer is installing the connector now\. Stopping it midway could leave a half-installed connector/,
      );
      const outcome: StepOutcome = await running;
      expect(outcome.status).toBe('passed');
      expect(readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8')).toContain('"kind":"cancel-refused"');
    } finally {
      test.dispose();
    }
  });

  const outcomes: [string, (files: World['files'], world: World) => void, RegExp, RegExp][] = [
    [
      '1602',
      (files) => Object.assign(installer(files), { exitCode: 1602 }),
      /cancelled \(exit code 1602\); nothing was installed/,
      /Run the step again when ready/,
    ],
    [
      '1603',
      (files) =>
        Object.assign(installer(files), {
          exitCode: 1603,
          logName: 'MicrosoftEntraPrivateNetworkConnector_1.log',
          log: ['Action ended 10:15:02: InstallFinalize. Return value 3.'],
        }),
      /failed \(exit code 1603.*Its log: C:\\Users\\admin\\AppData\\Local\\Temp\\MicrosoftEntraPrivateNetworkConnector_1\.log/,
      /\.NET Framework older than 4\.7\.2/,
    ],
    [
      '1618',
      (files) => Object.assign(installer(files), { exitCode: 1618 }),
      /Another installation was already running/,
      /Wait for the other installation/,
    ],
    [
      '1641',
      (files) => Object.assign(installer(files), { exitCode: 1641 }),
      /has started a restart of the server \(exit code 1641\)/,
      /verify when it opens again/,
    ],
    [
      '3010',
      (files) => Object.assign(installer(files), { exitCode: 3010 }),
      /restart the server to finish \(exit code 3010\)/,
      /Restart the server when your change window allows/,
    ],
    [
      'crash',
      (files) => Object.assign(installer(files), { crash: true }),
      /ended with exit code -?\d+ \(not a code Windows Installer defines/,
      /Application event log/,
    ],
    [
      'services missing',
      (files) => Object.assign(installer(files), { servicesAppear: false }),
      /reported success \(exit code 0\), but WAPCSvc, WAPCUpdaterSvc did not appear in time/,
      /Verify this step in a few minutes/,
    ],
    [
      'not signed',
      (files) => delete files[PICKED]?.signature,
      /Refused, nothing was run: the installer's Authenticode signature is missing/,
      /Download the installer again/,
    ],
    [
      'not Microsoft',
      (files) =>
        Object.assign(files[PICKED] ?? {}, {
          signature: { status: 'Valid', signer: 'CN=Contoso Tools, O=Contoso, C=US' },
        }),
      /signed, but not by Microsoft Corporation \(CN=Contoso Tools/,
      /Download the installer from Microsoft/,
    ],
  ];
  it.concurrent.each(outcomes)(
    'installer outcome %s has its own message and remedy, in the journal too',
    async (_name, patch, summary, remedy) => {
      const { state, record } = world(patch);
      const test = companionFor(state, record);
      try {
        const outcome = await test.companion.runbook.run(
          'connector-install',
          { installerPath: PICKED, waitSeconds: '4' },
          `outcome-${_name}`,
          test.emit,
        );
        expect(outcome.summary).toMatch(summary);
        if (outcome.status === 'failed') expect(outcome.remedy ?? '').toMatch(remedy);
        else expect(`${outcome.summary} ${outcome.remedy ?? ''}`).toMatch(remedy);
        const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8');
        expect(journal).toContain(JSON.stringify(outcome.summary).slice(1, 40));
        await until(() => !commandLines().some((line) => line.includes(state)), 'no process of this world left');
      } finally {
        test.dispose();
      }
    },
  );
});

describe('hostile installer paths', () => {
  const corpus = JSON.parse(
    readFileSync(join(repoRoot, 'tests', 'fixtures', 'powershell', 'hostile-strings.json'), 'utf8'),
  ) as { arrive: string[]; refused: string[] };
  const paths = [...corpus.arrive, ...corpus.refused].map(
    (value) => `C:\\Install\\${value}\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe`,
  );
  const { state, record } = world();
  const test = companionFor(state, record);
  afterAll(() => test.dispose());

  const started = (path: string) =>
    readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .some((line) => (JSON.parse(line) as { argv: string[] }).argv.includes(path.trim()));

  it.concurrent.each(paths.map((path, index) => [index, JSON.stringify(path).slice(12, 60), path] as const))(
    '%i %s arrives byte-identical or is refused before PowerShell starts',
    async (index, _label, path) => {
      const result = await test.companion.runbook
        .run('connector-install', { installerPath: path }, `hostile-${index}`, test.emit, true)
        .then(
          (outcome) => ({ outcome }),
          (error: unknown) => ({ error }),
        );
      if ('error' in result) {
        expect((result.error as CompanionError).code).toBe('INVALID_REQUEST');
        expect(started(path)).toBe(false);
      } else {
        expect(started(path)).toBe(true);
        // The script looked for exactly the path given (it is not on this server) and said so.
        expect(result.outcome.summary).toBe(`Refused, nothing was run: ${path.trim()} does not exist on this server.`);
      }
    },
  );
});
