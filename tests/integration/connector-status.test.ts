import { describe, expect, it } from 'vitest';
import { signedInCompanion, useLab } from '../helpers/cloud-lab.ts';

/**
 * Connector status through the core: our Get-ConnectorState.ps1 in real PowerShell over the
 * scenario's fake Windows, and Microsoft Graph's connector lists from the lab's Graph, as the
 * admin signed in with the real msal-node.
 */
const { lab } = useLab('ndes-connector-status-');

async function status(scenario: string) {
  const test = await signedInCompanion(lab(), scenario);
  try {
    const outcome = await test.companion.runbook.run('connector-status', {}, `status-${scenario}`, () => undefined);
    return { outcome, graphCalls: test.graphCalls() };
  } finally {
    test.dispose();
  }
}

describe('connector status, here and in the tenant', () => {
  it('one active connector: passed, with the warning that there is no high availability', async () => {
    const { outcome, graphCalls } = await status('connector-registered');
    expect(outcome.status).toBe('passed');
    expect(outcome.summary).toBe(
      "This server's connector (ndes01.contoso.local) is active in group Default, with 1 active connector in it. Only 1 active connector in group Default: no high availability.",
    );
    expect(outcome.remedy).toContain('Install and register a second connector on another server');
    expect(graphCalls.map((call) => call.path)).toEqual(
      expect.arrayContaining([
        '/beta/onPremisesPublishingProfiles/applicationProxy/connectors',
        '/beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups',
      ]),
    );
  });

  it('two active connectors in the group: no warning', async () => {
    const { outcome } = await status('connector-group-ha');
    expect(outcome.summary).toBe(
      "This server's connector (ndes01.contoso.local) is active in group Default, with 2 active connectors in it.",
    );
    expect(outcome.remedy).toBeUndefined();
  });

  it('inactive in the tenant: failed, with what to check', async () => {
    const { outcome } = await status('connector-inactive');
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toContain('as inactive: it has not reached the service for an hour');
  });

  it('a connector nobody here recognises is named', async () => {
    const { outcome } = await status('connector-unknown');
    expect(outcome.summary).toContain(
      '1 other connector in the tenant (old-dmz01.contoso.com, inactive): check each is yours.',
    );
    expect(outcome.evidence).toContain(
      'Other: old-dmz01.contoso.com (203.0.113.10), inactive, version 1.5.4287.0, group Legacy DMZ',
    );
  });

  it('no connector installed here: says which steps come first', async () => {
    const { outcome } = await status('healthy');
    expect(outcome).toMatchObject({ status: 'failed', summary: 'No connector is installed on this server.' });
  });
});
