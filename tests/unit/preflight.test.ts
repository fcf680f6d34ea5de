import { describe, expect, it } from 'vitest';
import { judgePreflight, refusal, type PreflightFacts } from '../../electron/core/cloud/preflight.ts';
import { ROLES } from '../../electron/core/cloud/tenant.ts';

/** The preflight's judgement of what Graph answered: a refused read is never a pass. */
const ready: PreflightFacts = {
  roles: { ok: true, value: [ROLES.applicationAdministrator, ROLES.intuneAdministrator] },
  plans: { ok: true, value: ['AAD_PREMIUM', 'INTUNE_A'] },
  appProxy: { ok: true, value: true },
  connectors: { ok: true, value: [{ machineName: 'ndes01.contoso.local', status: 'active' }] },
  scopes: ['https://graph.microsoft.com/DeviceManagementConfiguration.ReadWrite.All'],
};

describe('preflight', () => {
  it('passes a ready tenant for publishing, for Intune, and for rollback', () => {
    expect(judgePreflight(ready, 'publish').ready).toBe(true);
    expect(judgePreflight(ready, 'intune-apply').ready).toBe(true);
    expect(judgePreflight(ready, 'intune-rollback').ready).toBe(true);
  });

  it('a read Graph refused is "could not check", and refuses the step', () => {
    const refused: PreflightFacts = {
      ...ready,
      roles: {
        ok: false,
        why: 'Authorization_RequestDenied: Insufficient privileges to complete the operation (request id 1)',
      },
      appProxy: { ok: false, why: 'NotAdminRoleNoEnoughCustomPermission_UnauthorizedAccess (request id 2)' },
    };
    const judged = judgePreflight(refused, 'publish');
    expect(judged.ready).toBe(false);
    expect(judged.checks.filter((check) => check.status === 'could not check').map((check) => check.name)).toEqual([
      'role',
      'application proxy',
    ]);
    expect(refusal(judged, 'publishing').summary).toMatch(
      /^Refused, nothing was changed \(publishing, checked first\): Could not check your directory roles: Microsoft Graph refused the read \(Authorization_RequestDenied/,
    );
  });

  it('a token without the Intune write permission, or one that cannot be told, refuses Intune changes', () => {
    expect(
      judgePreflight(
        { ...ready, scopes: ['https://graph.microsoft.com/DeviceManagementConfiguration.Read.All'] },
        'intune-apply',
      ).checks.find((check) => check.name === 'Intune permission'),
    ).toMatchObject({ status: 'missing', remedy: expect.stringContaining('Grant admin consent once') });
    expect(judgePreflight({ ...ready, scopes: null }, 'intune-rollback').ready).toBe(false);
  });

  it('application proxy turned off with connectors registered is told apart from not yet enabled; rollback does not need it', () => {
    const off = judgePreflight({ ...ready, appProxy: { ok: true, value: false } }, 'publish');
    expect(off.checks.find((check) => check.name === 'application proxy')?.message).toMatch(
      /^Application proxy is turned off for this tenant, although 1 connector\(s\) are registered/,
    );
    const fresh = judgePreflight(
      { ...ready, appProxy: { ok: true, value: false }, connectors: { ok: true, value: [] } },
      'publish',
    );
    expect(fresh.checks.find((check) => check.name === 'application proxy')?.remedy).toMatch(
      /^Register this server's connector \(step 4\)/,
    );
    expect(judgePreflight({ ...ready, appProxy: { ok: true, value: false } }, 'intune-rollback').ready).toBe(true);
  });
});
