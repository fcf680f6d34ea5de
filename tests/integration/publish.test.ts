import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/main.ts';
import type { CompanionEvent } from '../../electron/contract/model.ts';
import { signedInCompanion, useLab } from '../helpers/cloud-lab.ts';
import { testCompanion } from '../helpers/companion.ts';

/**
 * Publishing through the core against the lab's Microsoft Graph (which refuses unknown properties,
 * lags replication when told, and enforces the publishing role), signed in with the real msal-node.
 */
const { lab: world } = useLab('ndes-publish-');

const INPUTS = { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/', connectorGroup: 'NDES' };

async function signedIn(scenario: string) {
  const test = await signedInCompanion(world(), scenario);
  return { test, calls: test.graphCalls };
}

describe('publish NDES through Microsoft Graph', () => {
  it('creates, publishes only /certsrv/mscep/ with Passthrough on a dedicated group, and a second run changes nothing', async () => {
    const { test, calls } = await signedIn('connector-registered');
    try {
      const first = await test.companion.runbook.run('publish', INPUTS, 'publish-1', () => undefined);
      expect(first.status).toBe('passed');
      expect(first.summary).toBe(
        'Published: "NDES" at https://ndes-contoso.msappproxy.net/certsrv/mscep/ with Passthrough. SCEP URL for Intune: https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
      );
      const apps = world().graph?.apps() ?? [];
      expect(apps).toHaveLength(1);
      expect(apps[0]).toMatchObject({
        displayName: 'NDES',
        connectorGroup: 'NDES',
        onPremisesPublishing: {
          externalAuthenticationType: 'passthru',
          internalUrl: 'http://ndes01.contoso.local/certsrv/mscep/',
          externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
          isTranslateLinksInBodyEnabled: false,
        },
      });
      expect(first.evidence).toContain('Moved connector ndes01.contoso.local from Default to NDES.');
      const changes = calls()
        .filter((call) => call.method !== 'GET')
        .map((call) => `${call.method} ${call.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${call.status}`);
      expect(changes).toEqual([
        'POST /v1.0/applicationTemplates/{id}/instantiate 201',
        'PATCH /v1.0/applications/{id} 204',
        'PATCH /beta/applications/{id} 204',
        'POST /beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups 201',
        'POST /beta/onPremisesPublishingProfiles/applicationProxy/connectors/{id}/memberOf/$ref 204',
        'PUT /beta/applications/{id}/connectorGroup/$ref 204',
      ]);

      const again = calls().length;
      const second = await test.companion.runbook.run('publish', INPUTS, 'publish-2', () => undefined);
      expect(second.summary).toMatch(
        /^Already published: "NDES" at https:\/\/ndes-contoso\.msappproxy\.net\/certsrv\/mscep\//,
      );
      expect(world().graph?.apps()).toHaveLength(1);
      expect(
        calls()
          .slice(again)
          .filter((call) => call.method === 'POST' && call.path.includes('instantiate')),
      ).toEqual([]);
      const verified = await test.companion.runbook.verify('publish', INPUTS, 'publish-3', () => undefined);
      expect(verified.status).toBe('passed');
    } finally {
      test.dispose();
    }
  });

  it('waits out replication lag after the create', async () => {
    const { test, calls } = await signedIn('publish-replication-lag');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'publish-lag',
        () => undefined,
      );
      expect(outcome.status).toBe('passed');
      expect(calls().filter((call) => call.status === 404)).toHaveLength(2);
    } finally {
      test.dispose();
    }
  });

  it('completes an app already published for this URL with another pre-authentication, instead of creating one', async () => {
    const { test, calls } = await signedIn('publish-existing-preauth');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'publish-existing',
        () => undefined,
      );
      expect(outcome.status).toBe('passed');
      expect(calls().some((call) => call.path.includes('instantiate'))).toBe(false);
      expect(world().graph?.apps()).toHaveLength(1);
      expect(world().graph?.apps()[0]?.onPremisesPublishing).toMatchObject({
        externalAuthenticationType: 'passthru',
        externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      });
    } finally {
      test.dispose();
    }
  });

  it('-WhatIf sends no change, and says what would happen', async () => {
    const { test, calls } = await signedIn('connector-registered');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-what-if', () => undefined, true);
      expect(outcome.summary).toBe(
        '-WhatIf: "NDES" would be created; external URL https://ndes-contoso.msappproxy.net/certsrv/mscep/. Nothing was changed.',
      );
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  });

  it('without Application Administrator, the preflight refuses before any write and names the role and where to get it', async () => {
    const { test, calls } = await signedIn('tenant-cloud-app-admin');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'publish-denied',
        () => undefined,
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(
        /^Refused, nothing was changed \(publishing, checked first\): Cloud Application Administrator is active, but it covers every part of enterprise applications except application proxy\./,
      );
      expect(outcome.remedy).toContain(
        'Have Application Administrator assigned (Microsoft Entra admin center > Identity > Roles & admins > Roles & admins)',
      );
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
      expect(world().graph?.apps()).toHaveLength(0);
    } finally {
      test.dispose();
    }
  });

  it('a dedicated group is refused before anything changes when this server has no connector in the tenant', async () => {
    const { test, calls } = await signedIn('healthy');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-no-connector', () => undefined);
      expect(outcome.summary).toBe(
        "Refused, nothing was changed: this server's connector (ndes01.contoso.local) is not in the tenant, so group NDES would have no working connector for NDES.",
      );
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  });

  it('moving the connector is refused when it would strand the apps on its old group', async () => {
    const { test, calls } = await signedIn('publish-group-strands');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-strand', () => undefined);
      expect(outcome.summary).toBe(
        "Refused, nothing was changed: moving this server's connector to NDES would leave 1 app(s) on group Default (Intranet) without an active connector.",
      );
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  });

  it('does not publish the server a second time under another path: the app for the whole server is reused, and later steps get its SCEP URL', async () => {
    const { test, calls } = await signedIn('publish-whole-server-exists');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'publish-conflict',
        () => undefined,
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toMatch(
        /^Reused, nothing was changed: "NDES old" already publishes the whole server http:\/\/ndes01\.contoso\.local\//,
      );
      expect(outcome.readBack).toEqual({
        externalUrl: 'https://ndesold-contoso.msappproxy.net/',
        scepUrl: 'https://ndesold-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
        serverUrl: 'https://ndesold-contoso.msappproxy.net/',
      });
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
      expect(world().graph?.apps()).toHaveLength(1);
    } finally {
      test.dispose();
    }
  });

  it('refuses a bad internal URL before any call', () => {
    const test = testCompanion({ lab: world().config() });
    try {
      expect(
        test.companion.runbook.plan('publish', { appName: 'NDES', internalUrl: 'https://10.0.0.5/' }).actions[0]?.title,
      ).toBe('Fix the input first');
    } finally {
      test.dispose();
    }
  });
});

/**
 * A custom domain (docs/reference/domain.md §6): the PFX judged here first, the app published on its msappproxy.net
 * name and moved to ndes.contoso.com with the certificate, the lab Graph keeping only the
 * certificate's metadata, and the name's CNAME read through the lab resolver.
 */
describe('publish NDES on a verified custom domain', () => {
  const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'custom-domain');
  const PASSWORD = 'NdesPfx2026';
  const GOOD = join(FIXTURES, 'good.pfx');
  const CUSTOM = {
    appName: 'NDES',
    internalUrl: 'http://ndes01.contoso.local/',
    customDomain: 'ndes.contoso.com',
    pfxPath: GOOD,
  };
  const base64Pfx = readFileSync(GOOD).toString('base64');
  const changesOf = (calls: { method: string; path: string; status: number }[]) =>
    calls
      .filter((call) => call.method !== 'GET')
      .map((call) => `${call.method} ${call.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${call.status}`);
  /** The password and the PFX must be in none of the records the companion keeps. */
  const expectNoSecretIn = (dataDir: string, seen: string[] = []) => {
    for (const text of [
      readFileSync(join(dataDir, 'journal.jsonl'), 'utf8'),
      readFileSync(join(dataDir, 'state.json'), 'utf8'),
      ...seen,
    ]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(base64Pfx.slice(0, 64));
    }
  };

  it('uploads the certificate, moves the external URL, finds the CNAME; runs twice as once; the password is nowhere', async () => {
    const { test, calls } = await signedIn('publish-custom-domain');
    try {
      const events: CompanionEvent[] = [];
      const first = await test.companion.runbook.run(
        'publish',
        CUSTOM,
        'publish-custom-1',
        (event) => events.push(event),
        false,
        { pfxPassword: PASSWORD },
      );
      expect(first.status).toBe('passed');
      expect(first.summary).toBe(
        'Published: "NDES" at https://ndes.contoso.com/certsrv/mscep/ with Passthrough. SCEP URL for Intune: https://ndes.contoso.com/certsrv/mscep/mscep.dll DNS: ndes.contoso.com is a CNAME to ndes-contoso.msappproxy.net, as Application Proxy needs.',
      );
      expect(first.remedy).toBeUndefined();
      expect(changesOf(calls())).toEqual([
        'POST /v1.0/applicationTemplates/{id}/instantiate 201',
        'PATCH /v1.0/applications/{id} 204',
        'PATCH /beta/applications/{id} 204',
        'PATCH /beta/applications/{id} 204',
      ]);
      const apps = world().graph?.apps() ?? [];
      expect(apps).toHaveLength(1);
      expect(apps[0]?.onPremisesPublishing).toMatchObject({
        externalAuthenticationType: 'passthru',
        externalUrl: 'https://ndes.contoso.com/certsrv/mscep/',
        verifiedCustomDomainCertificatesMetadata: {
          subjectName: 'CN=ndes.contoso.com',
          thumbprint: 'CC8016A5EF0C471F43D3E4089CAE68E30DDB57FB',
          expiryDate: '2046-01-01T00:00:00.000Z',
        },
      });
      // Graph keeps what it shows of the certificate, never the credential itself.
      expect(JSON.stringify(apps)).not.toContain(PASSWORD);
      expect(apps[0]?.onPremisesPublishing).not.toHaveProperty('verifiedCustomDomainPasswordCredential');

      const before = calls().length;
      const second = await test.companion.runbook.run(
        'publish',
        CUSTOM,
        'publish-custom-2',
        (event) => events.push(event),
        false,
        { pfxPassword: PASSWORD },
      );
      expect(second.summary).toMatch(
        /^Already published: "NDES" at https:\/\/ndes\.contoso\.com\/certsrv\/mscep\/ with Passthrough\..* DNS: ndes\.contoso\.com is a CNAME to ndes-contoso\.msappproxy\.net/,
      );
      expect(changesOf(calls().slice(before))).toEqual([]);
      const verified = await test.companion.runbook.verify('publish', CUSTOM, 'publish-custom-3', (event) =>
        events.push(event),
      );
      expect(verified.status).toBe('passed');
      expect(verified.summary).toContain(
        'Certificate CN=ndes.contoso.com, thumbprint CC8016A5EF0C471F43D3E4089CAE68E30DDB57FB, valid until 2046-01-01T00:00:00.000Z. DNS: ndes.contoso.com is a CNAME to ndes-contoso.msappproxy.net',
      );
      expectNoSecretIn(test.dataDir, [JSON.stringify(events), JSON.stringify([first, second, verified])]);
    } finally {
      test.dispose();
    }
  });

  it('a missing CNAME is a warning with the exact record to create, not a failure', async () => {
    const { test } = await signedIn('publish-custom-domain-no-cname');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        CUSTOM,
        'publish-custom-nocname',
        () => undefined,
        false,
        { pfxPassword: PASSWORD },
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toContain(
        'Warning: ndes.contoso.com has no CNAME record in the DNS this server asks: create "ndes.contoso.com CNAME ndes-contoso.msappproxy.net" in the public DNS zone of your domain',
      );
      expect(outcome.remedy).toBe(
        'Create the DNS record "ndes.contoso.com CNAME ndes-contoso.msappproxy.net" at your DNS provider; then Verify (this step, or step 8) checks it again.',
      );
      // Verify needs no PFX: it reads what Graph keeps of the certificate, and asks DNS again.
      const verified = await test.companion.runbook.verify(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/', customDomain: 'ndes.contoso.com' },
        'publish-custom-nocname-v',
        () => undefined,
      );
      expect(verified.summary).toContain('Warning: ndes.contoso.com has no CNAME record in the DNS this server asks');
    } finally {
      test.dispose();
    }
  });

  it('a CNAME pointing elsewhere is named, with what it must be', async () => {
    const { test } = await signedIn('publish-custom-domain-cname-elsewhere');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        CUSTOM,
        'publish-custom-elsewhere',
        () => undefined,
        false,
        { pfxPassword: PASSWORD },
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toContain(
        'Warning: In the DNS this server asks, ndes.contoso.com is a CNAME to intranet-contoso.msappproxy.net, not to ndes-contoso.msappproxy.net: change the record to "ndes.contoso.com CNAME ndes-contoso.msappproxy.net" (with split-horizon DNS, in the public zone',
      );
    } finally {
      test.dispose();
    }
  });

  it('a domain the tenant has not verified is refused before anything is created', async () => {
    const { test, calls } = await signedIn('publish-custom-domain');
    try {
      const outcome = await test.companion.runbook.run(
        'publish',
        { ...CUSTOM, customDomain: 'ndes.fabrikam.com', pfxPath: join(FIXTURES, 'fabrikam.pfx') },
        'publish-custom-unverified',
        () => undefined,
        false,
        { pfxPassword: PASSWORD },
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toBe(
        'Refused, nothing was changed: ndes.fabrikam.com is not on a verified domain of Contoso (its verified custom domains: contoso.com).',
      );
      expect(calls().length).toBeGreaterThan(0);
      expect(changesOf(calls())).toEqual([]);
    } finally {
      test.dispose();
    }
  });

  it('a PFX without its chain, or with the wrong password, is refused before any cloud call; no password, no run', async () => {
    const { test, calls } = await signedIn('publish-custom-domain');
    try {
      const leafOnly = await test.companion.runbook.run(
        'publish',
        { ...CUSTOM, pfxPath: join(FIXTURES, 'leaf-only.pfx') },
        'publish-custom-leaf',
        () => undefined,
        false,
        { pfxPassword: PASSWORD },
      );
      expect(leafOnly.summary).toMatch(
        /^Refused, nothing was changed: the certificate in .*leaf-only\.pfx cannot publish ndes\.contoso\.com\. The PFX holds only the certificate for the external name/,
      );
      const wrong = await test.companion.runbook.run(
        'publish',
        CUSTOM,
        'publish-custom-wrong',
        () => undefined,
        false,
        { pfxPassword: 'NotThePassword1' },
      );
      expect(wrong.summary).toMatch(/The PFX could not be opened with this password\.$/);
      await expect(
        test.companion.runbook.run('publish', CUSTOM, 'publish-custom-nopass', () => undefined),
      ).rejects.toThrow(/password of .*good\.pfx is needed/);
      expect(calls()).toEqual([]);
      expect(readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8')).not.toContain('NotThePassword1');
    } finally {
      test.dispose();
    }
  });

  it("the lab Graph takes the certificate only in Microsoft's shape, on a verified domain, and never an external URL without one", async () => {
    const { test } = await signedIn('publish-custom-domain');
    try {
      const published = await test.companion.runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'publish-custom-graph',
        () => undefined,
      );
      expect(published.status).toBe('passed');
      const id = world().graph?.apps()[0]?.id ?? '';
      const graph = test.companion.graph();
      const patch = (onPremisesPublishing: Record<string, unknown>) =>
        graph.call('PATCH', `/applications/${id}`, { version: 'beta', body: { onPremisesPublishing } }).then(
          () => 'ok',
          (error: Error) => error.message,
        );
      const key = { type: 'X509CertAndPassword', value: base64Pfx };
      expect(await patch({ externalUrl: 'https://ndes.contoso.com/certsrv/mscep/' })).toMatch(
        /No certificate has been uploaded for ndes\.contoso\.com/,
      );
      expect(await patch({ externalUrl: 'https://ndes.fabrikam.com/certsrv/mscep/' })).toMatch(
        /ndes\.fabrikam\.com is not on a verified domain of this tenant/,
      );
      expect(
        await patch({
          verifiedCustomDomainKeyCredential: { ...key, type: 'AsymmetricX509Cert' },
          verifiedCustomDomainPasswordCredential: { value: PASSWORD },
        }),
      ).toMatch(/use X509CertAndPassword/);
      expect(
        await patch({
          verifiedCustomDomainKeyCredential: { ...key, usage: 'Verify' },
          verifiedCustomDomainPasswordCredential: { value: PASSWORD },
        }),
      ).toMatch(/Property 'usage' is not accepted/);
      expect(await patch({ verifiedCustomDomainKeyCredential: key })).toMatch(/go together/);
      expect(
        await patch({
          verifiedCustomDomainKeyCredential: key,
          verifiedCustomDomainPasswordCredential: { value: 'NotThePassword1' },
        }),
      ).toMatch(/password is wrong/);
      expect(await patch({ verifiedCustomDomainCertificatesMetadata: { thumbprint: 'AA' } })).toMatch(/read-only/);
      // Uploaded once, the certificate serves the domain: then the external URL alone is accepted.
      expect(
        await patch({
          verifiedCustomDomainKeyCredential: key,
          verifiedCustomDomainPasswordCredential: { value: PASSWORD },
        }),
      ).toBe('ok');
      expect(world().graph?.apps()[0]?.onPremisesPublishing?.verifiedCustomDomainCertificatesMetadata).toBeNull();
      expect(await patch({ externalUrl: 'https://ndes.contoso.com/certsrv/mscep/' })).toBe('ok');
      expect(world().graph?.apps()[0]?.onPremisesPublishing).toMatchObject({
        externalUrl: 'https://ndes.contoso.com/certsrv/mscep/',
        verifiedCustomDomainCertificatesMetadata: { thumbprint: 'CC8016A5EF0C471F43D3E4089CAE68E30DDB57FB' },
      });
    } finally {
      test.dispose();
    }
  });

  it('the CLI reads the password from standard input only, and prints it nowhere', async () => {
    const { test } = await signedIn('publish-custom-domain');
    try {
      const printed: string[] = [];
      const io = {
        out: (text: string) => printed.push(text),
        err: (text: string) => printed.push(text),
        readStdin: async () => `${PASSWORD}\n`,
      };
      const make = () => testCompanion({ lab: world().config(), dataDir: test.dataDir }).companion;
      const argv = [
        'publish',
        '--internal-url',
        'http://ndes01.contoso.local/',
        '--custom-domain',
        'ndes.contoso.com',
        '--custom-domain-pfx',
        GOOD,
      ];
      expect(await runCli(argv, io, '0.0.0-test', make)).toBe(2);
      expect(printed.join('\n')).toContain(
        '--custom-domain-pfx needs its password on standard input: add --pfx-password-stdin.',
      );
      expect(await runCli([...argv, '--pfx-password-stdin', '--json'], io, '0.0.0-test', make)).toBe(0);
      const result = JSON.parse(printed.find((text) => text.startsWith('{')) ?? '{}') as {
        ok: boolean;
        value?: { summary: string };
      };
      expect(result.value?.summary).toMatch(/^Published: "NDES" at https:\/\/ndes\.contoso\.com\/certsrv\/mscep\//);
      expect(await runCli([...argv, '--pfx-password-stdin', '--verbose'], io, '0.0.0-test', make)).toBe(0);
      expect(printed.join('\n')).toContain('Certificate for ndes.contoso.com: CN=ndes.contoso.com');
      expectNoSecretIn(test.dataDir, [printed.join('\n')]);
    } finally {
      test.dispose();
    }
  });
});
