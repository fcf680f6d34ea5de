import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stepIds, type CompanionEvent } from '../../electron/contract/model.ts';
import { parseState } from '../../electron/core/runbook/state.ts';
import { steps } from '../../electron/core/steps/index.ts';
import { publishReadBack } from '../../electron/core/steps/publish/definition.ts';
import { testCompanion, type TestCompanion } from '../helpers/companion.ts';
import { CONFIRMATIONS, handSteps, manualSteps } from '../../electron/core/runbook/offline.ts';
let subject: TestCompanion;
afterEach(() => subject?.dispose());

describe('the runbook model', () => {
  it('declares the ten steps of docs/reference/design.md in order, each with a doc link, a plan, and a way to do it without the app', () => {
    expect(steps.map((step) => step.id)).toEqual([...stepIds]);
    for (const step of steps) {
      expect(step.why.docUrl).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(step.plan({}).length).toBeGreaterThan(0);
      // The printed runbook says how to do every step without the app: a cloud step by its portal
      // path and what the admin records from it, a local step by hand.
      const none = { internalUrl: null, externalUrl: null, connectorServer: null, tenantId: null, appName: null };
      if (step.cloud) {
        expect(manualSteps(step.id, none)?.length, step.id).toBeGreaterThan(0);
        expect(CONFIRMATIONS[step.id]?.fields.length, step.id).toBeGreaterThan(0);
      } else expect(handSteps(step.id, none)?.length, step.id).toBeGreaterThan(0);
    }
  });

  it('accepts an external URL on a verified custom domain only when that domain is given', async () => {
    subject = testCompanion();
    const refused = subject.companion.runbook.verify(
      'verify',
      { externalUrl: 'https://ndes.contoso.com/', timeoutSeconds: '1' },
      undefined,
      () => undefined,
    );
    await expect(refused).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/custom domain verified in your tenant/),
    });
    const accepted = await subject.companion.runbook.verify(
      'verify',
      { externalUrl: 'https://ndes.contoso.com/', verifiedDomains: 'contoso.com, fabrikam.com', timeoutSeconds: '1' },
      undefined,
      () => undefined,
    );
    expect(accepted.report?.results.some((result) => result.group === 'scep-external')).toBe(true);
    // "com" would admit every .com host: a verified domain is a registered name.
    await expect(
      subject.companion.runbook.verify(
        'verify',
        { externalUrl: 'https://ndes.contoso.com/', verifiedDomains: 'com' },
        undefined,
        () => undefined,
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/is not a domain name like contoso\.com/),
    });
    subject.dispose();
  });

  it('Report writes the runbook into a dated folder under the data folder, and Verify finds it there', async () => {
    subject = testCompanion();
    const events: CompanionEvent[] = [];
    const outcome = await subject.companion.runbook.run('report', { formats: 'markdown,json' }, undefined, (event) =>
      events.push(event),
    );
    expect(outcome.status).toBe('passed');
    expect(outcome.summary).toMatch(
      new RegExp(
        `^The runbook is in ${subject.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/Reports/\\d{4}-\\d{2}-\\d{2}T[^:]+: runbook\\.md, runbook\\.json\\.$`,
      ),
    );
    expect(events.map((event) => event.message)).toContain('Writing the runbook (markdown, json).');
    expect((await subject.companion.runbook.verify('report', undefined, undefined, () => undefined)).status).toBe(
      'passed',
    );
    await expect(
      subject.companion.runbook.run('report', { formats: 'docx' }, undefined, () => undefined),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: '"docx" is not a runbook format.' });
  });

  it('the app and the CLI open on one data folder: neither undoes what the other recorded', async () => {
    subject = testCompanion();
    const cli = testCompanion({ dataDir: subject.dataDir });
    try {
      const quiet = () => undefined;
      // The app records offline mode and a confirmation; the CLI, opened before, records another.
      subject.companion.runbook.setMode('offline');
      await cli.companion.runbook
        .run('sign-in', { tenantId: '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13' }, undefined, quiet)
        .catch(() => undefined);
      await subject.companion.runbook.run('registration', { connectorActive: 'yes' }, undefined, quiet);
      const saved = JSON.parse(readFileSync(join(subject.dataDir, 'state.json'), 'utf8')) as {
        mode: string;
        steps: Record<string, { status: string }>;
        confirmations: Record<string, unknown>;
      };
      expect(saved.mode).toBe('offline');
      expect(Object.keys(saved.confirmations).sort()).toEqual(['registration', 'sign-in']);
      expect(saved.steps['sign-in']?.status).toBe('confirmed');
      expect(saved.steps.registration?.status).toBe('confirmed');
      // Each sees the other's after its own next save.
      expect(subject.companion.runbook.list().find((step) => step.id === 'sign-in')?.status).toBe('confirmed');
    } finally {
      cli.companion.close();
    }
  });

  it('a step running in another live companion process is not started here too', async () => {
    subject = testCompanion();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(
        join(subject.dataDir, 'state.json'),
        JSON.stringify({
          version: 1,
          mode: 'guided',
          steps: { readiness: { status: 'running', at: new Date().toISOString(), pid: other.pid } },
          inputs: {},
          readBack: {},
          confirmations: {},
        }),
      );
      const error = await subject.companion.runbook
        .run('readiness', { internalUrl: 'http://ndes01.contoso.local/' }, undefined, () => undefined)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'INVALID_REQUEST',
        message: `Step 1 (Readiness) is running in another companion process (pid ${other.pid}).`,
      });
    } finally {
      other.kill();
    }
  });

  it('a step whose recorded process has ended is not held up by a later process that was given the same id', async () => {
    subject = testCompanion();
    // The id is live (this child has it now), but the run was recorded by a process that started
    // a day earlier and has since ended: Windows and Linux both hand ids out again.
    const later = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await new Promise((resolve) => later.once('spawn', resolve));
      const dayBefore = new Date(Date.now() - 86_400_000).toISOString();
      writeFileSync(
        join(subject.dataDir, 'state.json'),
        JSON.stringify({
          version: 1,
          mode: 'guided',
          steps: { 'outbound-proxy': { status: 'running', at: dayBefore, pid: later.pid, started: dayBefore } },
          inputs: {},
          readBack: {},
          confirmations: {},
        }),
      );
      const outcome = await subject.companion.runbook.run('outbound-proxy', {}, undefined, () => undefined);
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toContain('No proxy address given');
      // What this run recorded is this process: its id and its start.
      const saved = JSON.parse(readFileSync(join(subject.dataDir, 'state.json'), 'utf8')) as {
        steps: Record<string, { status: string; pid?: number }>;
      };
      expect(saved.steps['outbound-proxy']?.status).toBe('passed');
    } finally {
      later.kill();
    }
  });

  it('keeps mode and inputs across a restart (state on disk); inputs the step refuses, a password in a proxy address, are never saved', async () => {
    subject = testCompanion();
    subject.companion.runbook.setMode('offline');
    await subject.companion.runbook
      .verify('outbound-proxy', { proxyAddress: 'http://proxy.contoso.local:8080' }, undefined, () => undefined)
      .catch(() => undefined);
    for (const refused of [
      'http://svc:Pa55word@proxy.contoso.local:8080',
      'http://admin:Pa/ssw0rd@proxy.contoso.local:8080',
      'http://admin:P@ssw0rd@proxy.contoso.local:8080',
    ]) {
      await subject.companion.runbook
        .verify('outbound-proxy', { proxyAddress: refused }, undefined, () => undefined)
        .catch(() => undefined);
    }
    subject.companion.close();
    const text = readFileSync(join(subject.dataDir, 'state.json'), 'utf8');
    const journal = readFileSync(join(subject.dataDir, 'journal.jsonl'), 'utf8');
    for (const piece of ['Pa55word', 'ssw0rd', 'Pa/ss']) {
      expect(text).not.toContain(piece);
      expect(journal).not.toContain(piece);
    }
    const saved = JSON.parse(text) as { mode: string; inputs: Record<string, Record<string, string>> };
    expect(saved.mode).toBe('offline');
    expect(saved.inputs['outbound-proxy']?.proxyAddress).toBe('http://proxy.contoso.local:8080');
  });

  it('plans cloud steps as portal steps in offline mode, local steps unchanged', () => {
    subject = testCompanion();
    const runbook = subject.companion.runbook;
    expect(runbook.plan('publish', {}, 'offline').actions.every((action) => action.kind === 'manual')).toBe(true);
    expect(runbook.plan('connector-install', {}, 'offline').actions.map((action) => action.kind)).toEqual([
      'powershell',
      'file',
      'process',
      'powershell',
      'powershell',
      'powershell',
    ]);
    const tenant = '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13';
    expect(runbook.plan('registration', { tenantId: tenant }, 'guided').actions[1]?.detail).toBe(
      `<token> | powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Register-Connector.ps1 -TenantId ${tenant}`,
    );
    expect(runbook.plan('registration', {}, 'guided').actions[2]?.detail).toContain('-TenantId <tenant ID>');
    // Offline, registration is the connector's own interactive command, written out.
    expect(runbook.plan('registration', {}, 'offline').actions[0]?.detail).toBe(
      'On this server, in an elevated Windows PowerShell, run the connector\'s own interactive registration: Import-Module "C:\\Program Files\\Microsoft Entra private network connector\\Modules\\MicrosoftEntraPrivateNetworkConnectorPSModule\\MicrosoftEntraPrivateNetworkConnectorPSModule.psd1"; Register-MicrosoftEntraPrivateNetworkConnector',
    );
  });

  it('starts fresh from an unreadable state file and journals where it kept it', () => {
    subject = testCompanion();
    subject.companion.runbook.setMode('offline');
    subject.companion.close();
    writeFileSync(join(subject.dataDir, 'state.json'), '{"version": 1, "mode": ');
    const reopened = testCompanion({ dataDir: subject.dataDir });
    try {
      expect(reopened.companion.runbook.mode).toBe('guided');
      const recovered = reopened.companion.journal.tail(10).find((entry) => entry.kind === 'state-recovered');
      expect(recovered?.message).toMatch(/state\.json\.unreadable-\d+/);
    } finally {
      reopened.companion.close();
    }
  });

  it('reads back what Publish found: the external URL, the SCEP URL for Intune and the server URL Verify probes from', () => {
    const mscep = {
      externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      scepUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
    };
    expect(publishReadBack({ passed: true, summary: '', evidence: mscep })).toEqual({
      ...mscep,
      serverUrl: 'https://ndes-contoso.msappproxy.net/',
    });
    // verify() reads back the external URL only: the SCEP URL follows from it.
    expect(
      publishReadBack({ passed: true, summary: '', evidence: { externalUrl: 'https://ndes-contoso.msappproxy.net/' } }),
    ).toEqual({
      externalUrl: 'https://ndes-contoso.msappproxy.net/',
      scepUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
      serverUrl: 'https://ndes-contoso.msappproxy.net/',
    });
    expect(
      publishReadBack({ passed: true, summary: '', evidence: mscep.externalUrl.replace('https', 'http') }),
    ).toEqual({});
    expect(publishReadBack({ passed: true, summary: '' })).toEqual({});
  });

  it('defaults Verify and Intune to the URLs Publish read back (state on disk); a typed URL wins, and each run says which it uses', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ndes-companion-'));
    const at = '2026-10-02T09:00:00.000Z';
    const server = 'https://ndes-contoso.msappproxy.net/';
    const scep = `${server}certsrv/mscep/mscep.dll`;
    writeFileSync(
      join(dataDir, 'state.json'),
      JSON.stringify({
        version: 1,
        mode: 'guided',
        steps: { publish: { status: 'passed', at } },
        inputs: {},
        readBack: {
          publish: { values: { externalUrl: `${server}certsrv/mscep/`, scepUrl: scep, serverUrl: server }, at },
        },
      }),
    );
    subject = testCompanion({ dataDir });
    const runbook = subject.companion.runbook;
    const inputOf = (stepId: string, id: string) =>
      runbook
        .list()
        .find((step) => step.id === stepId)
        ?.inputs.find((input) => input.id === id);
    expect(inputOf('verify', 'externalUrl')?.default).toEqual({ value: server, stepId: 'publish', at });
    expect(inputOf('intune', 'externalUrl')?.default).toEqual({ value: scep, stepId: 'publish', at });
    expect(inputOf('verify', 'internalUrl')?.default).toBeUndefined();
    expect(
      runbook
        .plan('verify', {})
        .actions.map((action) => action.detail)
        .join('\n'),
    ).toContain(`${server}certsrv/mscep/mscep.dll?operation=GetCACaps`);

    const events: CompanionEvent[] = [];
    const outcome = await runbook.verify('verify', { timeoutSeconds: '1' }, undefined, (event) => events.push(event));
    expect(events.map((event) => event.message)).toContain(
      `External URL: ${server}, as step 7 (Publish) read it back.`,
    );
    expect(outcome.report?.results.some((result) => result.group === 'scep-external')).toBe(true);

    const typed = 'https://ndes-fabrikam.msappproxy.net/';
    const overridden: CompanionEvent[] = [];
    await runbook.verify('verify', { externalUrl: typed, timeoutSeconds: '1' }, undefined, (event) =>
      overridden.push(event),
    );
    expect(overridden.map((event) => event.message)).toContain(
      `External URL: ${typed}, as typed (step 7 (Publish) read back ${server}).`,
    );
    // What the admin typed is saved as typed; the default is not written into the step's inputs.
    expect(runbook.savedInputs('verify')).toEqual({ externalUrl: typed, timeoutSeconds: '1' });
  });

  it('reads a state file an earlier version wrote with a status this one no longer has: that step starts afresh, the others stand', () => {
    const state = parseState({
      version: 1,
      mode: 'guided',
      steps: {
        readiness: { status: 'passed', at: '2026-12-01T10:00:00.000Z' },
        intune: { status: 'not-available', at: '2026-12-01T10:05:00.000Z' },
      },
      inputs: {},
    });
    expect(state.steps).toEqual({ readiness: { status: 'passed', at: '2026-12-01T10:00:00.000Z' } });
  });

  it('reads a state file written before steps read values back', () => {
    const state = parseState({
      version: 1,
      mode: 'guided',
      steps: {},
      inputs: { verify: { externalUrl: 'https://ndes-contoso.msappproxy.net/', stray: 3 } },
    });
    expect(state.readBack).toEqual({});
    expect(state.inputs.verify).toEqual({ externalUrl: 'https://ndes-contoso.msappproxy.net/' });
    expect(
      parseState({
        version: 1,
        mode: 'guided',
        steps: {},
        inputs: {},
        readBack: {
          publish: { values: { scepUrl: 'https://x.msappproxy.net/certsrv/mscep/mscep.dll', n: 1 }, at: 'then' },
          verify: { values: {} },
        },
      }).readBack,
    ).toEqual({ publish: { values: { scepUrl: 'https://x.msappproxy.net/certsrv/mscep/mscep.dll' }, at: 'then' } });
  });
});
