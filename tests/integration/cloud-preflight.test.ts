import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP, runCli } from '../../electron/cli/main.ts';
import { signedInCompanion, useLab } from '../helpers/cloud-lab.ts';
import { testCompanion, type TestCompanion } from '../helpers/companion.ts';
import { LAB_EXTERNAL_HOST } from '../lab/world.ts';

/**
 * Cloud changes are all or nothing, shown through the CLI against lab tenants that are not ready:
 * the lab's own record of Graph calls shows no write; a write failing part-way is undone.
 */
const { lab: world } = useLab('ndes-preflight-');

const EXTERNAL = `https://${LAB_EXTERNAL_HOST}/certsrv/mscep/mscep.dll`;
const INTERNAL = 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll';
const idOf = (name: string) =>
  world()
    .graph?.configurations()
    .find((configuration) => configuration.displayName === name)?.id ?? '';
const urlsOf = (name: string) =>
  world()
    .graph?.configurations()
    .find((configuration) => configuration.displayName === name)?.scepServerUrls;

type Signed = TestCompanion & { graphCalls: () => { method: string; path: string; status: number }[] };

async function cli(
  test: Signed,
  argv: string[],
): Promise<{ code: number; out: string; err: string; writes: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const from = test.graphCalls().length;
  const code = await runCli(
    argv,
    { out: (text) => out.push(text), err: (text) => err.push(text) },
    '0.0.0-test',
    () => testCompanion({ lab: world().config(), dataDir: test.dataDir }).companion,
  );
  const writes = test
    .graphCalls()
    .slice(from)
    .filter((call) => call.method !== 'GET')
    .map((call) => `${call.method} ${call.path} ${call.status}`);
  return { code, out: out.join('\n'), err: err.join('\n'), writes };
}

/** Each line on one stream: nothing printed live on stderr is printed again on stdout. */
function expectOneStreamPerLine(result: { out: string; err: string }): void {
  const live = new Set(
    result.err
      .split('\n')
      .map((line) => line.replace(/^(warn|error): /, '').trim())
      .filter((line) => line.length > 0),
  );
  expect(
    result.out
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => live.has(line)),
  ).toEqual([]);
}

/** A change the companion recorded earlier, whose profile still holds what it set: rollback would PATCH it. */
function seedRollback(test: Signed): void {
  const record = {
    at: '2026-12-01T10:00:00.000Z',
    tenantId: '',
    id: idOf('Contoso iOS SCEP'),
    displayName: 'Contoso iOS SCEP',
    odataType: '#microsoft.graph.iosScepCertificateProfile',
    before: ['https://ndes-old.contoso.local/certsrv/mscep/mscep.dll'],
    after: [INTERNAL],
    status: 'applied',
  };
  writeFileSync(join(test.dataDir, 'intune-changes.json'), JSON.stringify({ changes: [record] }));
}

const TENANTS = [
  {
    scenario: 'tenant-cloud-app-admin',
    whoami: 'FAIL Cloud Application Administrator is not enough',
    publish:
      'Cloud Application Administrator is active, but it covers every part of enterprise applications except application proxy.',
    publishRemedy: 'Have Application Administrator assigned (Microsoft Entra admin center > Identity > Roles & admins',
    intune: 'Neither Intune Administrator nor Global Administrator is active for your account',
    rollbackRefused: true,
  },
  {
    scenario: 'tenant-unlicensed',
    whoami: 'FAIL No Microsoft Entra ID P1 or P2 licence was found',
    publish: 'The tenant has no Microsoft Entra ID P1 or P2 licence, which application proxy needs.',
    publishRemedy: 'Add Microsoft Entra ID P1 or P2: Microsoft 365 admin center > Billing > Purchase services',
    intune: "The tenant has no Intune licence: Intune's Graph API answers only an Intune-licensed tenant.",
    rollbackRefused: true,
  },
  {
    scenario: 'tenant-app-proxy-off',
    whoami: 'FAIL Application proxy is turned off for this tenant, although 2 connector(s) are registered',
    publish:
      'Application proxy is turned off for this tenant, although 2 connector(s) are registered (2 active: ndes01.contoso.local, apgw02.contoso.local); apps published now would not answer.',
    publishRemedy:
      'Turn it on: Microsoft Entra admin center > Global Secure Access > Connect > Connectors: "Enable application proxy"',
    intune:
      'Application proxy is turned off for this tenant, although 2 connector(s) are registered (2 active: ndes01.contoso.local, apgw02.contoso.local); devices sent to the external URL would not reach NDES.',
    // Going back to the internal URL is the way out when application proxy is off: not refused.
    rollbackRefused: false,
  },
] as const;

describe('a tenant that is not ready: refused before the first write, with the cause and its fix', () => {
  for (const tenant of TENANTS) {
    it(`${tenant.scenario}: whoami says so apart (exit 4); publish, intune apply${tenant.rollbackRefused ? ' and rollback' : ''} make no Graph write`, async () => {
      const test = await signedInCompanion(world(), tenant.scenario);
      try {
        const whoami = await cli(test, ['whoami']);
        expect(whoami.code, `whoami printed:\n${whoami.out}\n${whoami.err}`).toBe(4);
        expect(whoami.out).toContain(tenant.whoami);

        const publish = await cli(test, [
          'publish',
          '--internal-url',
          'http://ndes01.contoso.local/',
          '--group',
          'NDES',
        ]);
        expect(publish.code).toBe(1);
        expect(publish.writes).toEqual([]);
        expect(publish.out).toMatch(/^Refused, nothing was changed \(publishing, checked first\): /);
        expect(publish.out).toContain(tenant.publish);
        expect(publish.out).toContain(`What to do: `);
        expect(publish.out).toContain(tenant.publishRemedy);
        // Each line once, on one stream: the outcome on stdout, never again on stderr.
        expect(publish.err).not.toContain('Refused, nothing was changed');
        expect(publish.err).not.toContain('What to do:');
        expectOneStreamPerLine(publish);
        expect(world().graph?.apps()).toEqual([]);

        const apply = await cli(test, [
          'intune',
          'apply',
          '--external-url',
          EXTERNAL,
          '--internal-scep-url',
          INTERNAL,
          '--profiles',
          idOf('Contoso iOS SCEP'),
        ]);
        expect(apply.code).toBe(1);
        expect(apply.writes).toEqual([]);
        expect(apply.out).toMatch(/^Refused, nothing was changed \(changing the Intune profiles, checked first\): /);
        expect(apply.out).toContain(tenant.intune);
        expect(urlsOf('Contoso iOS SCEP')).toEqual([INTERNAL]);

        seedRollback(test);
        const rollback = await cli(test, ['intune', 'rollback']);
        if (tenant.rollbackRefused) {
          expect(rollback.code).toBe(1);
          expect(rollback.writes).toEqual([]);
          expect(rollback.out).toMatch(
            /^Refused, nothing was changed \(rolling back the Intune profiles, checked first\): /,
          );
          expect(urlsOf('Contoso iOS SCEP')).toEqual([INTERNAL]);
        } else {
          expect(rollback.code).toBe(0);
          expect(rollback.writes).toEqual([
            `PATCH /beta/deviceManagement/deviceConfigurations/${idOf('Contoso iOS SCEP')} 200`,
          ]);
          expect(urlsOf('Contoso iOS SCEP')).toEqual(['https://ndes-old.contoso.local/certsrv/mscep/mscep.dll']);
        }
      } finally {
        test.dispose();
      }
    });
  }
});

describe('a publish that fails part-way', () => {
  it('undoes what this run created, backwards, leaves the tenant as it was, and the journal shows each write and each undo', async () => {
    const test = await signedInCompanion(world(), 'publish-fails-part-way');
    try {
      const groupsBefore = world().graph?.connectorGroups();
      const publish = await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/', '--group', 'NDES']);
      expect(publish.code, `publish printed:\n${publish.out}\n${publish.err}`).toBe(1);
      expect(publish.out, `publish printed on stderr:\n${publish.err}`).toMatch(
        /^Publishing failed part-way, and what this run changed was undone, so the tenant is as it was: Microsoft Graph refused PUT \/beta\/applications\/[0-9a-f-]+\/connectorGroup\/\$ref/,
      );
      // The role was read a moment before: the remedy does not ask for it again.
      expect(publish.out).toContain(
        "Application Administrator is active (read just before, and the sign-in's token was renewed), so the refusal is not about the role itself",
      );
      expect(publish.writes.map((write) => write.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}'))).toEqual([
        'POST /v1.0/applicationTemplates/{id}/instantiate 201',
        'PATCH /v1.0/applications/{id} 204',
        'PATCH /beta/applications/{id} 204',
        'POST /beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups 201',
        'POST /beta/onPremisesPublishingProfiles/applicationProxy/connectors/{id}/memberOf/$ref 204',
        'PUT /beta/applications/{id}/connectorGroup/$ref 403',
        // The undo, backwards: the connector back, the app and its service principal, then the emptied group.
        'POST /beta/onPremisesPublishingProfiles/applicationProxy/connectors/{id}/memberOf/$ref 204',
        'DELETE /v1.0/servicePrincipals/{id} 204',
        'DELETE /v1.0/applications/{id} 204',
        'DELETE /beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups/{id} 204',
      ]);
      expect(world().graph?.apps()).toEqual([]);
      expect(world().graph?.connectorGroups()).toEqual(groupsBefore);
      expectOneStreamPerLine(publish);

      const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind: string; message: string });
      const lines = journal.map((entry) => `${entry.kind}: ${entry.message}`);
      expect(lines.filter((line) => line.startsWith('graph-answer: DELETE')).length).toBe(3);
      expect(
        lines.some((line) =>
          /^graph-answer: PUT .*connectorGroup\/\$ref: 403 Authorization_RequestDenied \(request id [0-9a-f-]{36}\)$/.test(
            line,
          ),
        ),
      ).toBe(true);
      expect(lines.filter((line) => line.startsWith('progress: Undo: took back'))).toHaveLength(3);
      expect(lines).toContain(
        'progress: Undo: took back connector ndes01.contoso.local moved to NDES: back to Default.',
      );
    } finally {
      test.dispose();
    }
  });
});

describe('an undo that touches only what this run changed, and says what it cannot take back', () => {
  it('an app it did not create gets its pre-authentication and group back, and is not deleted', async () => {
    const test = await signedInCompanion(world(), 'publish-preauth-fails-part-way');
    try {
      const before = world().graph?.apps();
      const groupsBefore = world().graph?.connectorGroups();
      const publish = await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/', '--group', 'NDES']);
      expect(publish.code, `publish printed:\n${publish.out}\n${publish.err}`).toBe(1);
      expect(publish.out, `publish printed on stderr:\n${publish.err}`).toMatch(
        /^Publishing failed part-way, and what this run changed was undone, so the tenant is as it was: /,
      );
      expect(
        publish.writes.filter(
          (write) => write.startsWith('DELETE /v1.0/applications') || write.includes('instantiate'),
        ),
      ).toEqual([]);
      // As before: the same app, pre-authenticated, on the Default group (no group of its own is Default).
      const essentials = (apps: typeof before) =>
        apps?.map((app) => ({
          id: app.id,
          displayName: app.displayName,
          group: app.connectorGroup ?? 'Default',
          ...(({ externalAuthenticationType, internalUrl, externalUrl }) => ({
            externalAuthenticationType,
            internalUrl,
            externalUrl,
          }))(app.onPremisesPublishing ?? {}),
        }));
      expect(essentials(world().graph?.apps())).toEqual(essentials(before));
      expect(world().graph?.apps()[0]?.onPremisesPublishing).toMatchObject({
        externalAuthenticationType: 'aadPreAuthentication',
        isTranslateHostHeaderEnabled: true,
        isTranslateLinksInBodyEnabled: false,
        applicationServerTimeout: 'default',
      });
      expect(world().graph?.connectorGroups()).toEqual(groupsBefore);
    } finally {
      test.dispose();
    }
  });

  it('a group Graph did not confirm is named to check by hand, never deleted by guess, and the tenant is not called as it was', async () => {
    const test = await signedInCompanion(world(), 'publish-group-unconfirmed');
    try {
      const publish = await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/', '--group', 'NDES']);
      expect(publish.code, `publish printed:\n${publish.out}\n${publish.err}`).toBe(1);
      expect(publish.out, `publish printed on stderr:\n${publish.err}`).toMatch(
        /^Publishing failed part-way, and not all of it could be undone: Microsoft Graph did not confirm POST \/beta\/onPremisesPublishingProfiles\/applicationProxy\/connectorGroups/,
      );
      expect(publish.out).toContain(
        'Still in the tenant: a connector group named NDES that Graph may have created (it did not confirm).',
      );
      expect(publish.out).toContain('delete the group NDES if it is there and empty');
      expect(publish.out).not.toContain('the tenant is as it was');
      // The app this run created is removed all the same.
      expect(world().graph?.apps()).toEqual([]);
      expect(
        publish.writes.some((write) =>
          write.startsWith('DELETE /beta/onPremisesPublishingProfiles/applicationProxy/connectorGroups'),
        ),
      ).toBe(false);
    } finally {
      test.dispose();
    }
  });

  it('a Global Administrator whose application proxy read is refused is told about consent, not asked for a role', async () => {
    const test = await signedInCompanion(world(), 'tenant-app-proxy-read-refused');
    try {
      const publish = await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/']);
      expect(publish.code).toBe(1);
      expect(publish.writes).toEqual([]);
      expect(publish.out).toMatch(
        /Could not check whether application proxy is enabled: Microsoft Graph refused the read \(NotAdminRoleNoEnoughCustomPermission_UnauthorizedAccess: .* \(request id [0-9a-f-]{36}\)\)/,
      );
      expect(publish.out).toContain('What to do: Your role may read it, so the sign-in may lack a permission for it');
      expect(publish.out).not.toMatch(/Sign in with Application Administrator/);
    } finally {
      test.dispose();
    }
  });
});

describe('an app that already publishes the server', () => {
  it('one publishing the whole server with Passthrough is reused as it is, and its scope said; whole server over an mscep app is refused with the flag to leave out', async () => {
    const reused = await signedInCompanion(world(), 'publish-whole-server-exists');
    try {
      const publish = await cli(reused, ['publish', '--internal-url', 'http://ndes01.contoso.local/']);
      expect(publish.code).toBe(0);
      expect(publish.writes).toEqual([]);
      expect(publish.out).toContain(
        'Reused, nothing was changed: "NDES old" already publishes the whole server http://ndes01.contoso.local/ at https://ndesold-contoso.msappproxy.net/ with Passthrough',
      );
      expect(publish.out).toContain(
        'SCEP URL for Intune: https://ndesold-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
      );
      expect(publish.out).toContain('Its scope is wider than /certsrv/mscep/');
      const verify = await cli(reused, [
        'verify',
        'publish',
        '--input',
        'internalUrl=http://ndes01.contoso.local/',
        '--input',
        'appName=NDES',
      ]);
      expect(verify.code).toBe(0);
    } finally {
      reused.dispose();
    }

    const test = await signedInCompanion(world(), 'connector-registered');
    try {
      expect((await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/'])).code).toBe(0);
      const whole = await cli(test, [
        'publish',
        '--internal-url',
        'http://ndes01.contoso.local/',
        '--whole-server',
        '--app-name',
        'NDES whole',
      ]);
      expect(whole.code).toBe(1);
      expect(whole.writes).toEqual([]);
      expect(whole.out).toContain(
        'What to do: Publish only /certsrv/mscep/ (CLI: leave out --whole-server; wizard: What to publish = mscep only)',
      );
      expect(whole.out).not.toMatch(/Choose "whole server"/);
    } finally {
      test.dispose();
    }
  });
});

describe('the hand-off from publish to intune', () => {
  it('intune takes the internal SCEP URL from the published app and says so; after a pilot the output shows what changed and what is still to change', async () => {
    const test = await signedInCompanion(world(), 'connector-registered');
    try {
      expect((await cli(test, ['publish', '--internal-url', 'http://ndes01.contoso.local/'])).code).toBe(0);
      const list = await cli(test, ['intune', 'list']);
      expect(list.code).toBe(0);
      expect(list.out).toContain(
        `Internal SCEP URL ${INTERNAL}: from the published app "NDES" (its internal URL), as none was given.`,
      );
      expectOneStreamPerLine(list);
      expect(list.out).toMatch(/^4 SCEP profile\(s\); 3 would change \(replace\)/);

      const pilot = idOf('Contoso iOS SCEP');
      const apply = await cli(test, ['intune', 'apply', '--profiles', pilot]);
      expect(apply.code).toBe(0);
      expect(urlsOf('Contoso iOS SCEP')).toEqual([EXTERNAL]);
      expect(apply.out).toContain(
        `Contoso iOS SCEP (iosScepCertificateProfile, ${pilot}): changed now: ${INTERNAL} -> ${EXTERNAL}`,
      );
      expect(apply.out).toContain(
        `Contoso Windows SCEP (windows81SCEPCertificateProfile, ${idOf('Contoso Windows SCEP')}): still to change: ${INTERNAL} -> ${EXTERNAL}`,
      );
      expect(apply.out).toContain('Still to change once the pilot works: Contoso Windows SCEP');
      expect(apply.out).not.toContain(`Contoso iOS SCEP (iosScepCertificateProfile, ${pilot}): would change`);
    } finally {
      test.dispose();
    }
  });

  it('every example in --help is accepted as written', async () => {
    const test = await signedInCompanion(world(), 'connector-registered');
    try {
      const examples =
        HELP.slice(HELP.indexOf('Examples'))
          .split('\n\n')[0]
          ?.split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/).slice(1)) ?? [];
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const argv of examples.filter((args) => args[0] !== 'login')) {
        const result = await cli(test, argv);
        expect({ argv, code: result.code, err: result.err }).not.toMatchObject({ code: 2 });
        expect(result.out).not.toMatch(/must end in|is not a URL|Unknown or incomplete command/);
      }
    } finally {
      test.dispose();
    }
  });
});
