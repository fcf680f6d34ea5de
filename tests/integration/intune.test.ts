import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedInCompanion, useLab } from '../helpers/cloud-lab.ts';
import { LAB_EXTERNAL_HOST } from '../lab/world.ts';
import { repoRoot, testCompanion } from '../helpers/companion.ts';

/**
 * The Intune step through the core against the lab: SCEP is proven through the lab's App Proxy
 * front first, then the profiles are read (five configurations over three pages, four of them SCEP
 * in three type-name casings) and changed through the lab's Graph, signed in with msal-node.
 */
const { lab: world, dir } = useLab('ndes-intune-');

const EXTERNAL = `https://${LAB_EXTERNAL_HOST}/certsrv/mscep/mscep.dll`;
const INTERNAL = 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll';
const urlsOf = (name: string) =>
  world()
    .graph?.configurations()
    .find((configuration) => configuration.displayName === name)?.scepServerUrls;
const idOf = (name: string) =>
  world()
    .graph?.configurations()
    .find((configuration) => configuration.displayName === name)?.id ?? '';

async function signedIn(scenario: string) {
  const test = await signedInCompanion(world(), scenario);
  return { ...test, patches: () => test.graphCalls().filter((call) => call.method === 'PATCH').length };
}

describe('Intune SCEP profiles', () => {
  it('list: every SCEP profile type across pages, with its diff, after SCEP answered through the external URL; nothing changes', async () => {
    const test = await signedIn('healthy');
    try {
      const outcome = await test.companion.runbook.run(
        'intune',
        { externalUrl: EXTERNAL, internalUrl: INTERNAL },
        'intune-list',
        () => undefined,
      );
      expect(outcome.status).toBe('passed');
      expect(outcome.summary).toBe(
        '4 SCEP profile(s); 3 would change (replace). Nothing was changed: choose the profiles to change, one first as a pilot.',
      );
      expect(outcome.evidence).toContain(
        `Contoso iOS SCEP (iosScepCertificateProfile, ${idOf('Contoso iOS SCEP')}): would change: ${INTERNAL} -> ${EXTERNAL}`,
      );
      expect(outcome.evidence).toContain(
        `Fabrikam macOS SCEP (macOSScepCertificateProfile, ${idOf('Fabrikam macOS SCEP')}): unchanged: https://ndes.fabrikam.com/certsrv/mscep/mscep.dll (does not use ${INTERNAL})`,
      );
      expect(outcome.evidence?.some((line) => line.includes('windows81SCEPCertificateProfile'))).toBe(true);
      expect(outcome.evidence?.some((line) => line.includes('Windows restrictions'))).toBe(false);
      expect(test.patches()).toBe(0);
      expect(world().graph?.calls.filter((call) => call.path.includes('$skiptoken')).length).toBeGreaterThanOrEqual(2);
    } finally {
      test.dispose();
    }
  });

  it('apply a pilot, then rollback: the earlier value comes back exactly, and is journaled before the change', async () => {
    const test = await signedIn('healthy');
    try {
      const pilot = idOf('Contoso iOS SCEP');
      const applied = await test.companion.runbook.run(
        'intune',
        { action: 'apply', externalUrl: EXTERNAL, internalUrl: INTERNAL, profiles: pilot },
        'intune-apply',
        () => undefined,
      );
      expect(applied).toMatchObject({
        status: 'passed',
        summary: `Changed 1 profile(s): Contoso iOS SCEP. Their earlier URLs are kept for rollback. Still to change once the pilot works: Contoso Windows SCEP (${idOf('Contoso Windows SCEP')}), Contoso Android work profile SCEP (${idOf('Contoso Android work profile SCEP')}).`,
      });
      expect(urlsOf('Contoso iOS SCEP')).toEqual([EXTERNAL]);
      expect(urlsOf('Contoso Windows SCEP')).toEqual([INTERNAL]);
      const journal = readFileSync(join(test.dataDir, 'journal.jsonl'), 'utf8');
      expect(journal).toContain(`Recorded Contoso iOS SCEP's current URLs: ${INTERNAL}.`);
      expect(journal.indexOf('Recorded Contoso iOS SCEP')).toBeLessThan(
        journal.indexOf(`PATCH https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations/${pilot}`),
      );

      const again = await test.companion.runbook.run(
        'intune',
        { action: 'apply', externalUrl: EXTERNAL, internalUrl: INTERNAL, profiles: pilot },
        'intune-again',
        () => undefined,
      );
      expect(again.summary).toBe(
        `Nothing was changed. Left as they are: Contoso iOS SCEP (already lists the external URL). Still to change once the pilot works: Contoso Windows SCEP (${idOf('Contoso Windows SCEP')}), Contoso Android work profile SCEP (${idOf('Contoso Android work profile SCEP')}).`,
      );
      const verified = await test.companion.runbook.verify(
        'intune',
        { externalUrl: EXTERNAL, internalUrl: INTERNAL },
        'intune-verify',
        () => undefined,
      );
      expect(verified).toMatchObject({
        status: 'failed',
        summary: `2 SCEP profile(s) still list ${INTERNAL}: Contoso Windows SCEP, Contoso Android work profile SCEP.`,
      });

      const back = await test.companion.runbook.run(
        'intune',
        { action: 'rollback' },
        'intune-rollback',
        () => undefined,
      );
      expect(back).toMatchObject({
        status: 'passed',
        summary: 'Rolled back 1 profile(s) to the URLs they held before.',
      });
      expect(urlsOf('Contoso iOS SCEP')).toEqual([INTERNAL]);
      expect(existsSync(join(test.dataDir, 'intune-changes.json'))).toBe(true);
      expect(JSON.parse(readFileSync(join(test.dataDir, 'intune-changes.json'), 'utf8'))).toEqual({ changes: [] });
    } finally {
      test.dispose();
    }
  });

  it('add mode keeps the internal URL and warns about multi-URL semantics', async () => {
    const test = await signedIn('healthy');
    try {
      const outcome = await test.companion.runbook.run(
        'intune',
        { action: 'apply', mode: 'add', externalUrl: EXTERNAL, profiles: idOf('Contoso Windows SCEP') },
        'intune-add',
        () => undefined,
      );
      expect(outcome.status).toBe('passed');
      expect(urlsOf('Contoso Windows SCEP')).toEqual([INTERNAL, EXTERNAL]);
      expect(outcome.evidence?.join('\n')).toContain('its three SCEP calls must reach the same NDES');
    } finally {
      test.dispose();
    }
  });

  it('after Publish, Verify and Intune start from the URLs it read back; each profile comes with its change, for the wizard to tick', async () => {
    const test = await signedIn('connector-registered');
    try {
      const runbook = test.companion.runbook;
      const published = await runbook.run(
        'publish',
        { appName: 'NDES', internalUrl: 'http://ndes01.contoso.local/' },
        'intune-publish',
        () => undefined,
      );
      expect(published.readBack).toEqual({
        externalUrl: `https://${LAB_EXTERNAL_HOST}/certsrv/mscep/`,
        scepUrl: EXTERNAL,
        serverUrl: `https://${LAB_EXTERNAL_HOST}/`,
      });
      const inputOf = (stepId: string, id: string) =>
        runbook
          .list()
          .find((step) => step.id === stepId)
          ?.inputs.find((input) => input.id === id);
      expect(inputOf('verify', 'externalUrl')?.default).toMatchObject({
        value: `https://${LAB_EXTERNAL_HOST}/`,
        stepId: 'publish',
      });
      expect(inputOf('intune', 'externalUrl')?.default).toMatchObject({ value: EXTERNAL, stepId: 'publish' });

      // No external URL typed: the one Publish read back is used.
      const listed = await runbook.run('intune', { internalUrl: INTERNAL }, 'intune-listed', () => undefined);
      expect(listed.status).toBe('passed');
      expect(listed.profiles).toHaveLength(4);
      const ios = idOf('Contoso iOS SCEP');
      expect(listed.profiles?.find((profile) => profile.id === ios)).toEqual({
        id: ios,
        displayName: 'Contoso iOS SCEP',
        type: 'iosScepCertificateProfile',
        current: [INTERNAL],
        proposed: [EXTERNAL],
        changed: true,
      });
      expect(listed.profiles?.find((profile) => profile.displayName === 'Fabrikam macOS SCEP')).toMatchObject({
        changed: false,
        note: `does not use ${INTERNAL}`,
      });

      // Apply answers with the list as Intune holds it now: the pilot no longer proposes a change.
      const applied = await runbook.run(
        'intune',
        { action: 'apply', internalUrl: INTERNAL, profiles: ios },
        'intune-pilot',
        () => undefined,
      );
      expect(applied.status).toBe('passed');
      expect(applied.profiles?.find((profile) => profile.id === ios)).toMatchObject({
        current: [EXTERNAL],
        changed: false,
        note: 'already lists the external URL',
      });
      expect(applied.profiles?.filter((profile) => profile.changed)).toHaveLength(2);
    } finally {
      test.dispose();
    }
  });

  it('without an Intune role, the preflight refuses before any write; nothing is recorded as changed', async () => {
    const test = await signedIn('tenant-cloud-app-admin');
    try {
      const outcome = await test.companion.runbook.run(
        'intune',
        { action: 'apply', externalUrl: EXTERNAL, internalUrl: INTERNAL, profiles: idOf('Contoso iOS SCEP') },
        'intune-denied',
        () => undefined,
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(
        /^Refused, nothing was changed \(changing the Intune profiles, checked first\): Neither Intune Administrator nor Global Administrator is active/,
      );
      expect(outcome.remedy).toContain(
        'Activate Intune Administrator (Microsoft Entra admin center > Identity Governance > Privileged Identity Management > My roles)',
      );
      expect(test.patches()).toBe(0);
      expect(urlsOf('Contoso iOS SCEP')).toEqual([INTERNAL]);
      expect(existsSync(join(test.dataDir, 'intune-changes.json'))).toBe(false);
    } finally {
      test.dispose();
    }
  });

  it('a change recorded but never accepted by Intune (pending) is dropped by rollback, not reported as changed since', async () => {
    const test = await signedIn('healthy');
    try {
      const pending = {
        at: '2026-12-01T10:00:00.000Z',
        tenantId: '',
        id: idOf('Contoso iOS SCEP'),
        displayName: 'Contoso iOS SCEP',
        odataType: '#microsoft.graph.iosScepCertificateProfile',
        before: [INTERNAL],
        after: [EXTERNAL],
        status: 'pending',
      };
      writeFileSync(join(test.dataDir, 'intune-changes.json'), JSON.stringify({ changes: [pending] }));
      const rollback = await test.companion.runbook.run(
        'intune',
        { action: 'rollback' },
        'intune-pending-rollback',
        () => undefined,
      );
      expect(rollback.evidence).toContain(
        `Contoso iOS SCEP (${idOf('Contoso iOS SCEP')}): the change never reached Intune; nothing to undo.`,
      );
      expect(test.patches()).toBe(0);
    } finally {
      test.dispose();
    }
  });

  it('does not touch a profile while SCEP does not answer through the external URL', async () => {
    const test = await signedIn('appproxy-connector-down');
    try {
      const outcome = await test.companion.runbook.run(
        'intune',
        { action: 'apply', externalUrl: EXTERNAL, internalUrl: INTERNAL, profiles: idOf('Contoso iOS SCEP') },
        'intune-gate',
        () => undefined,
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toBe(`SCEP does not answer through ${EXTERNAL} yet: no profile was changed.`);
      expect(test.patches()).toBe(0);
    } finally {
      test.dispose();
    }
  });

  it('refuses an http:// or wrong-path external URL before any call, and completes the published URL', () => {
    const test = testCompanion({ lab: world().config() });
    try {
      expect(
        test.companion.runbook.plan('intune', { externalUrl: `http://${LAB_EXTERNAL_HOST}/certsrv/mscep/mscep.dll` })
          .actions[0]?.detail,
      ).toContain('must be https://');
      expect(
        test.companion.runbook.plan('intune', { externalUrl: `https://${LAB_EXTERNAL_HOST}/other/` }).actions[0]
          ?.detail,
      ).toContain('must end in /certsrv/mscep/mscep.dll');
      // The published URL as Publish prints it names the same endpoint: completed, not refused.
      expect(
        test.companion.runbook.plan('intune', { externalUrl: `https://${LAB_EXTERNAL_HOST}/`, internalUrl: INTERNAL })
          .actions[0]?.detail,
      ).toBe(`GetCACaps and GetCACert at ${EXTERNAL}`);
    } finally {
      test.dispose();
    }
  });
});

describe('the CLI, unattended after one sign-in: login, connectors, publish, intune list/apply/rollback', () => {
  const cli = join(repoRoot, 'dist', 'lab', 'cli.mjs');
  const dataDir = join(dir, 'cli-data');
  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...world().cliArgs, ...args, '--data-dir', dataDir]);
      let stdout = '';
      let stderr = '';
      let approved = false;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const code = /enter the code (\S+) to authenticate/.exec(stderr)?.[1];
        if (code && !approved) approved = world().entra?.approveDeviceCode(code) ?? false;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('carries a tenant from sign-in to a published app and a switched SCEP profile', async () => {
    await world().useScenario('connector-registered');
    expect((await run(['login', '--device-code'])).code).toBe(0);
    const connectors = await run(['connectors']);
    expect(connectors.code).toBe(0);
    expect(connectors.stdout).toContain("This server's connector (ndes01.contoso.local) is active in group Default");
    const publish = await run(['publish', '--internal-url', 'http://ndes01.contoso.local/', '--group', 'NDES']);
    expect(publish.code).toBe(0);
    expect(publish.stdout).toContain(`SCEP URL for Intune: ${EXTERNAL}`);
    const list = await run(['intune', 'list', '--external-url', EXTERNAL, '--internal-scep-url', INTERNAL, '--json']);
    expect(list.code).toBe(0);
    const pilot = idOf('Contoso iOS SCEP');
    expect(list.stdout).toContain(pilot);
    const apply = await run([
      'intune',
      'apply',
      '--external-url',
      EXTERNAL,
      '--internal-scep-url',
      INTERNAL,
      '--profiles',
      pilot,
    ]);
    expect(apply.code).toBe(0);
    expect(urlsOf('Contoso iOS SCEP')).toEqual([EXTERNAL]);
    const rollback = await run(['intune', 'rollback']);
    expect(rollback.code).toBe(0);
    expect(urlsOf('Contoso iOS SCEP')).toEqual([INTERNAL]);
    expect((await run(['intune', 'remove'])).code).toBe(2);
  });
});
