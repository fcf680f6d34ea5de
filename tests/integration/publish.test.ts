import { describe, expect, it } from 'vitest';
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
      expect(first.summary).toBe('Published: "NDES" at https://ndes-contoso.msappproxy.net/certsrv/mscep/ with Passthrough. SCEP URL for Intune: https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll');
      const apps = world().graph?.apps() ?? [];
      expect(apps).toHaveLength(1);
      expect(apps[0]).toMatchObject({ displayName: 'NDES', connectorGroup: 'NDES', onPremisesPublishing: { externalAuthenticationType: 'passthru', internalUrl: 'http://ndes01.contoso.local/certsrv/mscep/', externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/', isTranslateLinksInBodyEnabled: false } });
      expect(first.evidence).toContain('Moved connector ndes01.contoso.local from Default to NDES.');
      const changes = calls().filter((call) => call.method !== 'GET').map((call) => `${call.method} ${call.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${call.status}`);
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
      expect(second.summary).toMatch(/^Already published: "NDES" at https:\/\/ndes-contoso\.msappproxy\.net\/certsrv\/mscep\//);
      expect(world().graph?.apps()).toHaveLength(1);
      expect(calls().slice(again).filter((call) => call.method === 'POST' && call.path.includes('instantiate'))).toEqual([]);
      const verified = await test.companion.runbook.verify('publish', INPUTS, 'publish-3', () => undefined);
      expect(verified.status).toBe('passed');
    } finally {
      test.dispose();
    }
  }, 90_000);

  it('waits out replication lag after the create', async () => {
    const { test, calls } = await signedIn('publish-replication-lag');
    try {
      const outcome = await test.companion.runbook.run('publish', { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' }, 'publish-lag', () => undefined);
      expect(outcome.status).toBe('passed');
      expect(calls().filter((call) => call.status === 404)).toHaveLength(2);
    } finally {
      test.dispose();
    }
  }, 90_000);

  it('completes an app already published for this URL with another pre-authentication, instead of creating one', async () => {
    const { test, calls } = await signedIn('publish-existing-preauth');
    try {
      const outcome = await test.companion.runbook.run('publish', { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' }, 'publish-existing', () => undefined);
      expect(outcome.status).toBe('passed');
      expect(calls().some((call) => call.path.includes('instantiate'))).toBe(false);
      expect(world().graph?.apps()).toHaveLength(1);
      expect(world().graph?.apps()[0]?.onPremisesPublishing).toMatchObject({ externalAuthenticationType: 'passthru', externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/' });
    } finally {
      test.dispose();
    }
  }, 90_000);

  it('-WhatIf sends no change, and says what would happen', async () => {
    const { test, calls } = await signedIn('connector-registered');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-what-if', () => undefined, true);
      expect(outcome.summary).toBe('-WhatIf: "NDES" would be created; external URL https://ndes-contoso.msappproxy.net/certsrv/mscep/. Nothing was changed.');
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  }, 60_000);

  it('without Application Administrator, Graph refuses; the admin is told which role it needs and that nothing changed', async () => {
    const { test } = await signedIn('tenant-cloud-app-admin');
    try {
      const outcome = await test.companion.runbook.run('publish', { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' }, 'publish-denied', () => undefined);
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(/^Publishing stopped part-way: Microsoft Graph refused POST .*instantiate: Insufficient privileges to complete the operation\. Nothing had been changed\.$/);
      expect(outcome.remedy).toContain('This needs Application Administrator (or Global Administrator).');
      expect(world().graph?.apps()).toHaveLength(0);
    } finally {
      test.dispose();
    }
  }, 60_000);

  it('a dedicated group is refused before anything changes when this server has no connector in the tenant', async () => {
    const { test, calls } = await signedIn('healthy');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-no-connector', () => undefined);
      expect(outcome.summary).toBe("Refused, nothing was changed: this server's connector (ndes01.contoso.local) is not in the tenant, so group NDES would have no working connector for NDES.");
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  }, 60_000);

  it('moving the connector is refused when it would strand the apps on its old group', async () => {
    const { test, calls } = await signedIn('publish-group-strands');
    try {
      const outcome = await test.companion.runbook.run('publish', INPUTS, 'publish-strand', () => undefined);
      expect(outcome.summary).toBe("Refused, nothing was changed: moving this server's connector to NDES would leave 1 app(s) on group Default (Intranet) without an active connector.");
      expect(calls().filter((call) => call.method !== 'GET')).toEqual([]);
    } finally {
      test.dispose();
    }
  }, 60_000);

  it('does not publish the server a second time under another path', async () => {
    const { test } = await signedIn('publish-whole-server-exists');
    try {
      const outcome = await test.companion.runbook.run('publish', { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' }, 'publish-conflict', () => undefined);
      expect(outcome.summary).toMatch(/^Refused, nothing was changed: "NDES old" already publishes this server as http:\/\/ndes01\.contoso\.local\//);
      expect(world().graph?.apps()).toHaveLength(1);
    } finally {
      test.dispose();
    }
  }, 60_000);

  it('refuses a bad internal URL before any call', () => {
    const test = testCompanion({ lab: world().config() });
    try {
      expect(test.companion.runbook.plan('publish', { appName: 'NDES', internalUrl: 'https://10.0.0.5/' }).actions[0]?.title).toBe('Fix the input first');
    } finally {
      test.dispose();
    }
  });
});
