import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../../electron/contract/model.ts';
import { CompanionError } from '../../electron/core/errors.ts';
import { startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot, testCompanion, type TestCompanion } from '../helpers/companion.ts';

/**
 * The outbound-proxy step end to end through the core: the lab's proxy and endpoints answer the
 * probes, and our script runs in real PowerShell over the scenario's fake Windows, whose
 * ConfigureOutBoundProxy.ps1 and netsh write what Windows would.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-proxy-'));
let lab: LabWorld;
beforeAll(async () => {
  lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab') });
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PROXY = 'http://proxy.contoso.local:8080';
const SERVICE_CONFIG =
  'C:\\Program Files\\Microsoft Entra private network connector\\MicrosoftEntraPrivateNetworkConnectorService.exe.config';
const WINHTTP_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections';
type Windows = { files: Record<string, { text: string }>; registry: Record<string, Record<string, { hex?: string }>> };

function windows(): Windows {
  return JSON.parse(readFileSync(join(lab.dir, 'windows.json'), 'utf8')) as Windows;
}

async function companion(
  scenario: string,
): Promise<
  TestCompanion & { events: CompanionEvent[]; emit: (event: CompanionEvent) => void; scripts: () => string[] }
> {
  await lab.useScenario(scenario);
  const already = lab.records().length;
  const test = testCompanion({ lab: lab.config() });
  const events: CompanionEvent[] = [];
  return {
    ...test,
    events,
    emit: (event) => events.push(event),
    scripts: () =>
      lab
        .records()
        .slice(already)
        .map((record) => record.script),
  };
}

describe('outbound proxy through the core, against the lab', () => {
  it('sets the proxy with one PowerShell run after a tunnel through the proxy worked; WinHTTP stays direct when CRL and OCSP answer directly', async () => {
    const test = await companion('connector-registered');
    try {
      const proxied = lab.outbound?.proxied.length ?? 0;
      const outcome = await test.companion.runbook.run(
        'outbound-proxy',
        { proxyAddress: PROXY, ndesHost: 'ndes01.contoso.local' },
        'proxy-1',
        test.emit,
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toMatch(
        /^The connector and its updater use http:\/\/proxy\.contoso\.local:8080, with ndes01\.contoso\.local kept off the proxy: the proxy is set; the previous configuration is kept as proxy-\d{8}T\d{9}Z for Undo\. WinHTTP was left as it was\.$/,
      );
      expect(lab.outbound?.proxied.slice(proxied)).toContain('login.microsoftonline.com:443');
      expect(outcome.evidence).toContain('crl3.digicert.com:80 directly: answered HTTP 200');
      expect(outcome.evidence).toContain(
        'After: MicrosoftEntraPrivateNetworkConnectorService.exe.config: proxy http://proxy.contoso.local:8080, bypassonlocal True, bypass list ndes01\\.contoso\\.local',
      );
      expect(test.scripts()).toEqual(['Set-ConnectorProxy.ps1']);
      expect(windows().files[SERVICE_CONFIG]?.text).toContain('<add address="ndes01\\.contoso\\.local" />');
      const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8');
      expect(journal).toContain(
        'Running: powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Set-ConnectorProxy.ps1 -ProxyAddress http://proxy.contoso.local:8080 -NdesHost ndes01.contoso.local -WinHttp Keep',
      );
      const percents = test.events.flatMap((event) => (event.percent === undefined ? [] : [event.percent]));
      expect(percents.length).toBeGreaterThanOrEqual(5);

      const verified = await test.companion.runbook.verify(
        'outbound-proxy',
        { proxyAddress: PROXY, ndesHost: 'ndes01.contoso.local' },
        'proxy-1-verify',
        test.emit,
      );
      expect(verified.status).toBe('passed');
      expect(verified.summary).toContain('was already set; nothing was changed');
    } finally {
      test.dispose();
    }
  });

  it('sets the WinHTTP proxy too when a CRL or OCSP host does not answer directly, and undo puts everything back', async () => {
    const test = await companion('connector-behind-proxy');
    try {
      const before = windows();
      const outcome = await test.companion.runbook.run(
        'outbound-proxy',
        { proxyAddress: PROXY, ndesHost: 'ndes01.contoso.local', bypass: 'pki.contoso.local' },
        'proxy-2',
        test.emit,
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toContain(
        'WinHTTP uses proxy.contoso.local:8080 with bypass <local>;ndes01.contoso.local;pki.contoso.local.',
      );
      expect(outcome.evidence?.find((line) => line.startsWith('crl3.digicert.com:80 directly:'))).toMatch(/refused/);
      expect(outcome.evidence?.find((line) => line.startsWith('ocsp.msocsp.com:80 directly:'))).toMatch(/dns/);
      expect(outcome.evidence).toContain(
        'After: WinHTTP: proxy proxy.contoso.local:8080, bypass <local>;ndes01.contoso.local;pki.contoso.local',
      );

      const undone = await test.companion.runbook.run('outbound-proxy', { action: 'undo' }, 'proxy-3', test.emit);
      expect(undone.status).toBe('passed');
      expect(undone.summary).toMatch(
        /^The configuration saved at \d{4}-\d\d-\d\dT[\d:.]+Z is back, and both services were restarted\.$/,
      );
      const after = windows();
      expect(after.files[SERVICE_CONFIG]?.text).toBe(before.files[SERVICE_CONFIG]?.text);
      expect(after.registry[WINHTTP_KEY]?.WinHttpSettings?.hex).toBe(
        before.registry[WINHTTP_KEY]?.WinHttpSettings?.hex,
      );
      expect(test.scripts()).toEqual(['Set-ConnectorProxy.ps1', 'Set-ConnectorProxy.ps1']);
    } finally {
      test.dispose();
    }
  });

  it('remove never restores from backups in a folder the companion did not make, and says what to do instead', async () => {
    const test = await companion('connector-registered');
    try {
      // An index planted before the companion's first run, in a folder an earlier version took
      // over (Administrators own it by then), sending WinHTTP to the planter's proxy.
      const own = 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)';
      const planted = windows() as Windows & { acls?: Record<string, string> };
      planted.files['C:\\ProgramData\\NDES Proxy Companion\\Backups\\proxy-backups.json'] = {
        text: '{"backups":[{"id":"proxy-20260101T000000000Z","files":[],"winHttpHex":"18000000050000000300000015000000","after":null}]}',
      };
      planted.acls = {
        ...planted.acls,
        'C:\\ProgramData\\NDES Proxy Companion': own,
        'C:\\ProgramData\\NDES Proxy Companion\\Backups': own,
      };
      writeFileSync(join(lab.dir, 'windows.json'), JSON.stringify(planted));
      const outcome = await test.companion.runbook.run(
        'outbound-proxy',
        { action: 'remove' },
        'proxy-planted',
        test.emit,
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toBe(
        "Refused, nothing was changed: the backups are not the companion's own (C:\\ProgramData\\NDES Proxy Companion: the companion did not make it (no marker)), so they may not be what it saved.",
      );
      expect(outcome.remedy).toContain('Do not restore from it');
      expect(windows().registry[WINHTTP_KEY]?.WinHttpSettings?.hex).toBe(
        planted.registry[WINHTTP_KEY]?.WinHttpSettings?.hex,
      );
    } finally {
      test.dispose();
    }
  });

  it('refuses a proxy that asks for credentials before PowerShell starts, and says why', async () => {
    const test = await companion('proxy-auth');
    try {
      const outcome = await test.companion.runbook.run('outbound-proxy', { proxyAddress: PROXY }, 'proxy-4', test.emit);
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toBe(
        'Refused, nothing was changed: http://proxy.contoso.local:8080 asks for credentials (407 Proxy Authentication Required), and the connector cannot authenticate to a proxy.',
      );
      expect(outcome.remedy).toContain('without authentication');
      expect(test.scripts()).toEqual([]);
    } finally {
      test.dispose();
    }
  });

  it('a config that cannot be written: nothing is left half-changed, the remedy says what to check, the journal has it', async () => {
    const test = await companion('proxy-config-readonly');
    try {
      const before = windows();
      const outcome = await test.companion.runbook.run(
        'outbound-proxy',
        { proxyAddress: PROXY, winHttp: 'set' },
        'proxy-5',
        test.emit,
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(
        /^Nothing changed: Access to the path '.*MicrosoftEntraPrivateNetworkConnectorUpdaterService\.exe\.config' is denied\. The previous configuration was put back\.$/,
      );
      expect(outcome.remedy).toContain('read-only attribute');
      const after = windows();
      expect(after.files[SERVICE_CONFIG]?.text).toBe(before.files[SERVICE_CONFIG]?.text);
      expect(after.registry[WINHTTP_KEY]?.WinHttpSettings?.hex).toBe(
        before.registry[WINHTTP_KEY]?.WinHttpSettings?.hex,
      );
      const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8');
      expect(journal).toContain('is denied. The previous configuration was put back.');
    } finally {
      test.dispose();
    }
  });

  it('-WhatIf from the core lists the changes and changes nothing', async () => {
    const test = await companion('connector-registered');
    try {
      const before = windows();
      const outcome = await test.companion.runbook.run(
        'outbound-proxy',
        { proxyAddress: PROXY, winHttp: 'set' },
        'proxy-6',
        test.emit,
        true,
      );
      // A what-if run leaves the step's status as it was.
      expect(outcome.status).toBe('not-started');
      expect(outcome.summary).toBe('-WhatIf: 3 change(s) would be made (listed below); nothing was changed.');
      expect(outcome.evidence).toContain(
        'Change: netsh winhttp set proxy proxy-server=proxy.contoso.local:8080 bypass-list=<local>;ndes01.contoso.local',
      );
      expect(windows()).toEqual(before);
    } finally {
      test.dispose();
    }
  });
});

describe('hostile proxy inputs', () => {
  const corpus = JSON.parse(
    readFileSync(join(repoRoot, 'tests', 'fixtures', 'powershell', 'hostile-strings.json'), 'utf8'),
  ) as { arrive: string[]; refused: string[] };
  // Controls that must arrive, so the test shows both branches.
  const values = [
    ...corpus.arrive,
    ...corpus.refused,
    'proxy2.contoso.local',
    'ndes-02.contoso.local',
    'PROXY.contoso.local',
  ];
  let test: TestCompanion;
  beforeAll(async () => {
    await lab.useScenario('connector-registered');
    test = testCompanion({ lab: lab.config() });
  });
  afterAll(() => test.dispose());

  const argvs = () => lab.records().map((record) => record.argv);
  type Case = { field: 'proxyAddress' | 'ndesHost' | 'bypass'; inputs: Record<string, string>; param: string };
  const cases = values.flatMap((value): Case[] => [
    { field: 'proxyAddress', inputs: { proxyAddress: `http://${value}:8080` }, param: '-ProxyAddress' },
    { field: 'ndesHost', inputs: { proxyAddress: PROXY, ndesHost: value }, param: '-NdesHost' },
    { field: 'bypass', inputs: { proxyAddress: PROXY, winHttp: 'set', bypass: value }, param: '-Bypass' },
  ]);
  const outcomes: Record<string, 'refused' | 'arrived' | 'not-started'> = {};

  it.each(cases.map((entry, index) => [index, entry.field, JSON.stringify(entry.inputs).slice(0, 60), entry] as const))(
    '%i %s %s: byte-identical in the script, or refused before PowerShell starts',
    async (index, field, _label, entry) => {
      const before = argvs().length;
      const result = await test.companion.runbook
        .run('outbound-proxy', entry.inputs, `hostile-proxy-${index}`, () => undefined, true)
        .then(
          (outcome) => ({ outcome }),
          (error: unknown) => ({ error }),
        );
      const started = argvs().slice(before);
      if ('error' in result) {
        expect((result.error as CompanionError).code).toBe('INVALID_REQUEST');
        expect(started).toEqual([]);
        outcomes[`${field}:${index}`] = 'refused';
        return;
      }
      if (started.length === 0) {
        // The address was well formed but names no proxy in the lab: the tunnel check refused it.
        expect(field).toBe('proxyAddress');
        expect(result.outcome.summary).toMatch(/^Refused, nothing was changed: no tunnel/);
        outcomes[`${field}:${index}`] = 'not-started';
        return;
      }
      expect(started).toHaveLength(1);
      const argv = started[0] ?? [];
      const given = entry.inputs[field] ?? '';
      // Blank is "not given": the parameter is left out.
      if (given.trim() === '') {
        expect(argv).not.toContain(entry.param);
      } else {
        // What the script received is what was typed: names lower-cased, bypass entries in WinHTTP's ";" form.
        const expected =
          field === 'bypass'
            ? given
                .trim()
                .split(/[;, ]+/)
                .filter(Boolean)
                .join(';')
                .toLowerCase()
            : given.trim().toLowerCase();
        expect(argv[argv.indexOf(entry.param) + 1]).toBe(expected);
      }
      outcomes[`${field}:${index}`] = 'arrived';
    },
  );

  it('both branches happened', () => {
    expect(Object.values(outcomes)).toContain('refused');
    expect(Object.values(outcomes)).toContain('arrived');
  });
});

describe('hostile tenant IDs for the registration', () => {
  const corpus = JSON.parse(
    readFileSync(join(repoRoot, 'tests', 'fixtures', 'powershell', 'hostile-strings.json'), 'utf8'),
  ) as { arrive: string[]; refused: string[] };
  const control = '5F1C2E8A-3B7D-4C9E-A1F0-2D6B8E4C7A13';
  const values = [...corpus.arrive, ...corpus.refused, `${control}; calc`, ` ${control} `, control];
  let test: TestCompanion;
  beforeAll(async () => {
    await lab.useScenario('connector-registered');
    test = testCompanion({ lab: lab.config() });
  });
  afterAll(() => test.dispose());

  it.each(values.map((value, index) => [index, JSON.stringify(value).slice(0, 50), value] as const))(
    '%i %s: the GUID arrives as one argument, anything else is refused before PowerShell starts',
    async (index, _label, value) => {
      const before = lab.records().length;
      const result = await test.companion.runbook
        .run('registration', { tenantId: value }, `hostile-tenant-${index}`, () => undefined, true)
        .then(
          (outcome) => ({ outcome }),
          (error: unknown) => ({ error }),
        );
      const started = lab.records().slice(before);
      if (value.trim().toLowerCase() === control.toLowerCase()) {
        expect(started).toHaveLength(1);
        const argv = started[0]?.argv ?? [];
        expect(argv[argv.indexOf('-TenantId') + 1]).toBe(control.toLowerCase());
        expect('outcome' in result && result.outcome.summary).toMatch(/already registered to tenant 5f1c2e8a/);
      } else {
        expect('error' in result && (result.error as CompanionError).code).toBe('INVALID_REQUEST');
        expect(started).toEqual([]);
      }
    },
  );
});
