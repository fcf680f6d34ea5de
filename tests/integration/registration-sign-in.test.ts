import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_CLIENT_ID } from '../../electron/core/cloud/registration-token.ts';
import { previewSignInWindow } from '../../electron/preview/sign-in-page.ts';
import { useLab } from '../helpers/cloud-lab.ts';
import { testCompanion } from '../helpers/companion.ts';
import { LAB_TENANT_ID } from '../lab/world.ts';

/**
 * The registration token from a sign-in: the real msal-node (auth code + PKCE to the nativeclient
 * redirect) against the lab's Entra ID, the preview host's real sign-in window in Chromium with a
 * "person" clicking Accept, and the token handed to our Register-Connector.ps1 over the fake
 * Windows, whose RegisterConnector.ps1 takes only a token for the registration service.
 */
const { lab } = useLab('ndes-registration-sign-in-');
const REGISTER_SCOPE = 'https://proxy.cloudwebappproxy.net/registerapp/user_impersonation';

type Person = (page: Page) => void;
const accepts: Person = (page) =>
  void page
    .getByRole('link', { name: 'Accept' })
    .click()
    .catch(() => undefined);
const closesTheWindow: Person = (page) =>
  void page
    .waitForLoadState()
    .then(() => page.close())
    .catch(() => undefined);

async function register(scenario: string, inputs: Record<string, string>, person: Person = accepts) {
  await lab().useScenario(scenario);
  const config = lab().config();
  const proxy = config.hosts['proxy.contoso.local:8080'];
  const test = testCompanion({
    lab: config,
    signInWindow: previewSignInWindow({
      headed: false,
      ...(proxy ? { proxyServer: `http://${proxy}` } : {}),
      acceptLabCertificates: true,
      onPage: person,
    }),
  });
  const tokenCalls = lab().entra?.calls.length ?? 0;
  const runs = lab().records().length;
  const progress: string[] = [];
  try {
    const outcome = await test.companion.runbook
      .run('registration', inputs, `register-${scenario}`, (event) => progress.push(event.message))
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({
          ok: false as const,
          error: error as { code: string; message: string; remediation?: string },
        }),
      );
    const files = readdirSync(test.dataDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
    return {
      outcome,
      progress,
      files,
      tokenCalls: lab().entra?.calls.slice(tokenCalls) ?? [],
      scripts: lab()
        .records()
        .slice(runs)
        .map((record) => record.script),
      world: JSON.parse(readFileSync(join(lab().dir, 'windows.json'), 'utf8')) as {
        registrations?: { tokenMatches: boolean; audience: string | null; tenantId: string }[];
      },
    };
  } finally {
    test.dispose();
  }
}

describe('the registration token from a sign-in window', () => {
  it('signs in with the connector client through nativeclient, registers, and keeps the token nowhere', async () => {
    const { outcome, progress, files, tokenCalls, world } = await register('connector-installed', {
      tenantId: LAB_TENANT_ID,
    });
    expect(outcome.ok && outcome.value.status).toBe('passed');
    expect(outcome.ok && outcome.value.summary).toBe(
      `The connector is registered to tenant ${LAB_TENANT_ID}; its trust certificate is in the computer store and WAPCSvc is running.`,
    );
    expect(tokenCalls).toEqual([
      {
        grant: 'authorization_code',
        clientId: CONNECTOR_CLIENT_ID,
        scopes: expect.arrayContaining([REGISTER_SCOPE]),
        tenant: LAB_TENANT_ID,
        outcome: 'issued',
        redirectUri: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
      },
    ]);
    // The fake RegisterConnector.ps1 read the token's claims: for the registration service, in this tenant.
    expect(world.registrations?.at(-1)).toMatchObject({
      tokenMatches: true,
      audience: 'https://proxy.cloudwebappproxy.net/registerapp',
      tenantId: LAB_TENANT_ID,
    });
    expect(progress).toContain(
      'Signing in for a registration token in the window that opened; finish the sign-in there (the window closes by itself).',
    );
    expect(progress.some((line) => line.startsWith('Running: <token on stdin> | powershell.exe'))).toBe(true);
    // Nothing of the token on disk: no JWT, no cache entry for the connector's client, no code.
    expect(files).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
    expect(files).not.toContain(CONNECTOR_CLIENT_ID.toUpperCase());
    expect(files).not.toMatch(/[?&]code=/);
    expect(files).toContain('Registration token issued for admin@contoso.onmicrosoft.com in tenant');
  });

  it('a device code is refused for the connector client: said, with the sign-in window as the way, and nothing run', async () => {
    const { outcome, scripts } = await register('connector-installed', {
      tenantId: LAB_TENANT_ID,
      signIn: 'device-code',
    });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toBe(
      "The connector's registration client does not accept a device code in this tenant (that it would is not documented).",
    );
    expect(!outcome.ok && outcome.error.remediation).toContain('Choose the sign-in window instead');
    expect(scripts).not.toContain('Register-Connector.ps1');
  });

  it('closing the sign-in window cancels the step before PowerShell runs', async () => {
    const { outcome, scripts } = await register('connector-installed', { tenantId: LAB_TENANT_ID }, closesTheWindow);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('CANCELLED');
    expect(!outcome.ok && outcome.error.message).toBe('The sign-in window was closed before the sign-in finished.');
    expect(scripts).not.toContain('Register-Connector.ps1');
  });

  it('a token issued in another tenant than the one typed is refused before PowerShell runs', async () => {
    const other = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const { outcome, scripts } = await register('connector-installed', { tenantId: other });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toBe(`The sign-in was made in tenant ${LAB_TENANT_ID}, not ${other}.`);
    expect(scripts).not.toContain('Register-Connector.ps1');
  });
});

describe('a guest account', () => {
  it('is refused before PowerShell runs: a guest would register the connector to its home tenant', async () => {
    const home = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
    lab().entra?.use({ homeTenant: home });
    try {
      const { outcome, scripts } = await register('connector-installed', { tenantId: LAB_TENANT_ID });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error.message).toBe(
        `admin@contoso.onmicrosoft.com is a guest in tenant ${LAB_TENANT_ID}; its home tenant is ${home}. A guest registers the connector to its home tenant, not to this one.`,
      );
      expect(scripts).not.toContain('Register-Connector.ps1');
    } finally {
      lab().entra?.use(undefined);
    }
  });
});

describe('a connector already registered to the tenant', () => {
  it('needs no sign-in: nothing is asked, nothing changed', async () => {
    // The tenant this scenario's connector trust certificate names (CN=<tenant id>).
    const registered = '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13';
    const { outcome, tokenCalls, scripts } = await register('connector-registered', { tenantId: registered }, () => {
      throw new Error('no sign-in window should open');
    });
    expect(outcome.ok && outcome.value).toMatchObject({
      status: 'passed',
      summary: `The connector is already registered to tenant ${registered} with a valid trust certificate; nothing was changed and no sign-in was needed.`,
    });
    expect(tokenCalls).toEqual([]);
    expect(scripts).toEqual(['Get-ConnectorState.ps1']);
  });
});

describe('a cloud the registration cannot be pointed at', () => {
  it('US Government: a token handed in is refused before PowerShell runs, with the setup that does register there', async () => {
    await lab().useScenario('connector-installed');
    const test = testCompanion({ lab: lab().config() });
    const before = lab().records().length;
    try {
      const error = await test.companion.runbook
        .run('registration', { tenantId: LAB_TENANT_ID, cloud: 'usgov' }, 'register-usgov', () => undefined, false, {
          registrationToken: 'eyJ0eXAiOiJKV1QifQ.e30.c2ln',
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'NOT_AVAILABLE',
        message: expect.stringContaining(
          "no way to point RegisterConnector.ps1 at US Government (GCC High)'s registration service",
        ),
        remediation: expect.stringContaining('ENVIRONMENTNAME="AzureUSGovernment" without /q'),
      });
      expect(lab().records().slice(before)).toEqual([]);
      const world = JSON.parse(readFileSync(join(lab().dir, 'windows.json'), 'utf8')) as { registrations?: unknown[] };
      expect(world.registrations ?? []).toEqual([]);
    } finally {
      test.dispose();
    }
  });
});

describe('a token for another audience', () => {
  it('a Graph token handed in as the registration token is refused by the registration script, and said', async () => {
    await lab().useScenario('connector-installed');
    const test = testCompanion({ lab: lab().config() });
    try {
      await test.companion.signIn().withDeviceCode((prompt) => lab().entra?.approveDeviceCode(prompt.userCode));
      const graphToken = await test.companion.signIn().graphToken();
      const outcome = await test.companion.runbook.run(
        'registration',
        { tenantId: LAB_TENANT_ID },
        'register-graph-token',
        () => undefined,
        false,
        { registrationToken: graphToken },
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toBe(
        'Registration failed: the registration window was closed, or a network error stopped it.',
      );
      const world = JSON.parse(readFileSync(join(lab().dir, 'windows.json'), 'utf8')) as {
        registrations?: { tokenMatches: boolean; audience: string | null }[];
      };
      expect(world.registrations?.at(-1)).toMatchObject({
        tokenMatches: false,
        audience: 'https://graph.microsoft.com',
      });
    } finally {
      test.dispose();
    }
  });
});
