import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompanionError } from '../../electron/core/errors.ts';
import type { DeviceCodePrompt } from '../../electron/core/cloud/sign-in.ts';
import { judgeTenant, readTenantFacts } from '../../electron/core/cloud/tenant.ts';
import { createCloudHttp } from '../../electron/platform/cloud-http.ts';
import { labNames } from '../lab/edges.ts';
import { LAB_TENANT_ID, startLabWorld, type LabWorld } from '../lab/world.ts';
import { repoRoot, testCompanion } from '../helpers/companion.ts';
import { runLabCli } from '../helpers/lab-cli.ts';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../electron/preview/host.ts';
import { findChromium } from '../../electron/preview/launch.ts';
import { previewSystemBrowser } from '../../electron/preview/sign-in-page.ts';

/**
 * Sign-in with the real @azure/msal-node against the lab's Microsoft Entra ID: nothing of MSAL is
 * mocked; the lab answers the v2.0 endpoints over HTTPS as login.microsoftonline.com.
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-signin-'));
let lab: LabWorld;
beforeAll(async () => {
  lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'lab') });
  await lab.useScenario('healthy');
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a person does: open the device-login page in a browser and type the code. */
async function enterCode(prompt: DeviceCodePrompt): Promise<number> {
  const http = createCloudHttp({ names: labNames(lab.config().hosts, true), trustAnchors: lab.config().trustAnchors });
  const page = await http.request('GET', prompt.verificationUri);
  expect(page.body).toContain('Enter code');
  const answer = await http.request('POST', prompt.verificationUri, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `otc=${encodeURIComponent(prompt.userCode)}`,
  });
  return answer.status;
}

function everything(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('msal-cache'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

describe('sign-in with device code, against the lab', () => {
  const dataDir = join(dir, 'data');

  it('signs in once; the next process reuses the cache, refreshes with the refresh token, and sign-out forgets it', async () => {
    const first = testCompanion({ lab: lab.config(), dataDir });
    const calls = lab.entra?.calls.length ?? 0;
    let prompt: DeviceCodePrompt | undefined;
    const signingIn = first.companion.signIn().withDeviceCode((shown) => {
      prompt = shown;
      void enterCode(shown);
    });
    const who = await signingIn;
    expect(prompt?.verificationUri).toBe('https://login.microsoftonline.com/devicelogin');
    expect(prompt?.message).toContain(prompt?.userCode ?? '?');
    expect(who).toEqual({
      username: 'admin@contoso.onmicrosoft.com',
      name: 'Contoso Admin',
      tenantId: LAB_TENANT_ID,
      cloud: 'global',
    });
    const made = lab.entra?.calls.slice(calls) ?? [];
    expect(made.at(-1)).toMatchObject({
      grant: 'device_code',
      clientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e',
      outcome: 'issued',
    });
    expect(made.at(-1)?.scopes).toEqual(
      expect.arrayContaining([
        'https://graph.microsoft.com/Application.ReadWrite.All',
        'https://graph.microsoft.com/OnPremisesPublishingProfiles.ReadWrite.All',
        'offline_access',
      ]),
    );
    const cacheFile = join(dataDir, 'msal-cache-global.json');
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    first.companion.close();

    // A new process: the same data folder, no prompt.
    const second = testCompanion({ lab: lab.config(), dataDir });
    const before = lab.entra?.calls.length ?? 0;
    expect(await second.companion.signIn().current()).toMatchObject({
      username: 'admin@contoso.onmicrosoft.com',
      tenantId: LAB_TENANT_ID,
    });
    const cached = await second.companion.signIn().graphToken();
    expect(lab.entra?.calls.length).toBe(before);
    const refreshed = await second.companion.signIn().graphToken({ forceRefresh: true });
    expect(refreshed).not.toBe(cached);
    expect(lab.entra?.calls.slice(before).map((call) => `${call.grant}:${call.outcome}`)).toEqual([
      'refresh_token:issued',
    ]);
    // Tokens live in the cache file only: not in the journal or state.
    for (const token of [cached, refreshed]) expect(everything(dataDir)).not.toContain(token.slice(-40));

    await second.companion.signIn().signOut();
    // Emptied under the lock rather than deleted, so an app open at the same time sees it.
    for (const token of [cached, refreshed]) expect(readFileSync(cacheFile, 'utf8')).not.toContain(token.slice(-40));
    await expect(second.companion.signIn().graphToken()).rejects.toMatchObject({ code: 'NEEDS_SIGN_IN' });
    second.companion.close();
  });

  it("a refused sign-in says why in people's words", async () => {
    lab.entra?.use({
      refuse: {
        error: 'invalid_request',
        description:
          'AADSTS50059: No tenant-identifying information found in either the request or implied by any provided credentials.',
      },
    });
    const test = testCompanion({ lab: lab.config() });
    try {
      const error = await test.companion
        .signIn()
        .withDeviceCode((prompt) => void enterCode(prompt))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CompanionError);
      expect(error).toMatchObject({
        code: 'SIGN_IN_FAILED',
        message: expect.stringContaining('did not say which tenant'),
      });
    } finally {
      lab.entra?.use(undefined);
      test.dispose();
    }
  });

  it('cancel stops the polling', async () => {
    const test = testCompanion({ lab: lab.config() });
    const stop = new AbortController();
    try {
      const error = await test.companion
        .signIn()
        .withDeviceCode(() => setTimeout(() => stop.abort(), 200), stop.signal)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CANCELLED' });
    } finally {
      test.dispose();
    }
  });

  it('an unknown cloud is refused before anything is sent', () => {
    const test = testCompanion({ lab: lab.config() });
    try {
      expect(() => test.companion.signIn({ cloud: 'mars' })).toThrow(/not a cloud/);
    } finally {
      test.dispose();
    }
  });
});

describe('ndes-companion login, whoami, logout against the lab', () => {
  const dataDir = join(dir, 'cli-data');
  const run = (args: string[], onErr?: (text: string) => void) => runLabCli(lab.cliArgs, args, dataDir, onErr);

  it('login --device-code prints the code on stderr, signs in, and later commands share the sign-in', async () => {
    let approved = false;
    const login = await run(['login', '--device-code'], (stderr) => {
      const code = /enter the code (\S+) to authenticate/.exec(stderr)?.[1];
      if (code && !approved) approved = lab.entra?.approveDeviceCode(code) ?? false;
    });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('https://login.microsoftonline.com/devicelogin');
    expect(login.stdout).toContain(
      `Signed in as admin@contoso.onmicrosoft.com (tenant Contoso, ${LAB_TENANT_ID}, global).`,
    );
    expect(login.stdout).toContain('PASS Application Administrator is active');
    const whoami = await run(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    const value = (
      JSON.parse(whoami.stdout) as {
        value: { username: string; tenant: { initialDomain: string; verifiedDomains: string[] } };
      }
    ).value;
    expect(value.username).toBe('admin@contoso.onmicrosoft.com');
    expect(value.tenant.initialDomain).toBe('contoso.onmicrosoft.com');
    expect(value.tenant.verifiedDomains).toEqual(['contoso.onmicrosoft.com', 'contoso.com']);
    // Every Graph call is journaled as method and URL, before it is sent; no token anywhere.
    const journal = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('GET https://graph.microsoft.com/v1.0/subscribedSkus');
    expect(journal).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
    expect(readFileSync(join(dataDir, 'journal.jsonl'), 'utf8')).toContain(
      'Signed in as admin@contoso.onmicrosoft.com',
    );
    const logout = await run(['logout']);
    expect(logout.code).toBe(0);
    expect((await run(['whoami'])).code).toBe(1);
  });

  it('login without --device-code prints the address; a browser on this server signs in and the answer comes back on localhost', async () => {
    const proxy = lab.config().hosts['proxy.contoso.local:8080'];
    const browser = await chromium.launch({
      executablePath: findChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      ...(proxy ? { proxy: { server: `http://${proxy}`, bypass: 'localhost,127.0.0.1' } } : {}),
    });
    try {
      let opened = false;
      const login = await run(['login'], (stderr) => {
        const url = /^(https:\/\/login\.microsoftonline\.com\/\S+\/oauth2\/v2\.0\/authorize\?\S+)$/m.exec(stderr)?.[1];
        if (url && !opened) {
          opened = true;
          void (async () => {
            const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
            await page.goto(url);
            await page.getByRole('link', { name: 'Accept' }).click();
          })();
        }
      });
      expect(login.code).toBe(0);
      expect(login.stderr).toContain('Open this address in a browser on this server');
      expect(login.stdout).toContain(
        `Signed in as admin@contoso.onmicrosoft.com (tenant Contoso, ${LAB_TENANT_ID}, global).`,
      );
      const redeemed = lab.entra?.calls.filter((call) => call.grant === 'authorization_code').at(-1);
      expect(redeemed).toMatchObject({ clientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', outcome: 'issued' });
      expect(redeemed?.redirectUri).toMatch(/^http:\/\/localhost:\d+$/);
      expect(readFileSync(join(dataDir, 'journal.jsonl'), 'utf8')).toContain('with the browser.');
      expect((await run(['whoami'])).code).toBe(0);
      await run(['logout']);
    } finally {
      await browser.close();
    }
  });
});

describe('sign-in in the browser (loopback), against the lab', () => {
  it("the preview host's browser opens the page, the answer is posted back to localhost, and the page closes", async () => {
    const config = lab.config();
    const proxy = config.hosts['proxy.contoso.local:8080'];
    const pages: import('playwright-core').Page[] = [];
    const open = previewSystemBrowser({
      headed: false,
      ...(proxy ? { proxyServer: `http://${proxy}` } : {}),
      acceptLabCertificates: true,
      onPage: (page) => {
        pages.push(page);
        void page
          .getByRole('link', { name: 'Accept' })
          .click()
          .catch(() => undefined);
      },
    });
    const test = testCompanion({ lab: config });
    try {
      const who = await test.companion.signIn().withBrowser(open);
      expect(who).toEqual({
        username: 'admin@contoso.onmicrosoft.com',
        name: 'Contoso Admin',
        tenantId: LAB_TENANT_ID,
        cloud: 'global',
      });
      expect(pages).toHaveLength(1);
      await expect.poll(() => pages[0]?.isClosed()).toBe(true);
      expect(await test.companion.signIn().current()).toMatchObject({ username: 'admin@contoso.onmicrosoft.com' });
    } finally {
      test.dispose();
    }
  });

  it('a sign-in nobody finishes ends by itself, says what to do, and msal-node stops listening', async () => {
    const test = testCompanion({ lab: lab.config() });
    let redirect = '';
    try {
      const error = await test.companion
        .signIn()
        .withBrowser(
          async (url) => {
            redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
          },
          undefined,
          2000,
        )
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'SIGN_IN_FAILED',
        message: 'The sign-in was not finished within 2 seconds.',
      });
      expect((error as { remediation?: string }).remediation).toContain('use the device code');
      await expect(fetch(redirect.replace('localhost', '127.0.0.1'))).rejects.toThrow();
    } finally {
      test.dispose();
    }
  });

  it('cancelled while the browser is open: the step says so and msal-node stops listening', async () => {
    const test = testCompanion({ lab: lab.config() });
    const stop = new AbortController();
    let redirect = '';
    try {
      const error = await test.companion
        .signIn()
        .withBrowser(async (url) => {
          redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
          setTimeout(() => stop.abort(), 100);
        }, stop.signal)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CANCELLED', message: 'The sign-in was cancelled.' });
      expect(redirect).toMatch(/^http:\/\/localhost:\d+$/);
      // Nobody listens there any more.
      await expect(fetch(redirect.replace('localhost', '127.0.0.1'))).rejects.toThrow();
    } finally {
      test.dispose();
    }
  });
});

describe('what the sign-in finds out about the tenant and the admin', () => {
  async function factsIn(scenario: string) {
    await lab.useScenario(scenario);
    const test = testCompanion({ lab: lab.config() });
    try {
      await test.companion.signIn().withDeviceCode((prompt) => lab.entra?.approveDeviceCode(prompt.userCode));
      const calls = lab.graph?.calls.length ?? 0;
      const facts = await readTenantFacts(test.companion.graph());
      return { facts, findings: judgeTenant(facts), calls: lab.graph?.calls.slice(calls) ?? [] };
    } finally {
      test.dispose();
      await lab.useScenario('healthy');
    }
  }

  it('healthy: Application Administrator active, P1 and Intune licensed, App Proxy on, domains listed', async () => {
    const { facts, findings } = await factsIn('healthy');
    expect(facts).toMatchObject({
      tenantId: LAB_TENANT_ID,
      initialDomain: 'contoso.onmicrosoft.com',
      entraPremium: true,
      intuneLicence: true,
      appProxyEnabled: true,
    });
    expect(findings.map((finding) => finding.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('Cloud Application Administrator alone is named as not enough', async () => {
    const { findings } = await factsIn('tenant-cloud-app-admin');
    expect(findings[0]).toMatchObject({
      status: 'fail',
      message: 'Cloud Application Administrator is not enough: it covers enterprise apps except Application Proxy.',
    });
  });

  it('an eligible but inactive PIM role gets its own message', async () => {
    const { findings } = await factsIn('tenant-pim-eligible');
    expect(findings[0]).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('eligible for Application Administrator in Privileged Identity Management'),
    });
    expect(findings[0]?.remedy).toContain('Privileged Identity Management > My roles');
  });

  it('no licence and App Proxy off are said with what to do', async () => {
    const { findings } = await factsIn('tenant-unlicensed');
    expect(findings.filter((finding) => finding.status !== 'pass').map((finding) => finding.message)).toEqual([
      'No Microsoft Entra ID P1 or P2 licence was found: Application Proxy needs one.',
      'No Intune licence was found: the Intune SCEP profiles cannot be read or changed.',
      'Application proxy is not enabled in this tenant yet, and no connector is registered.',
    ]);
  });

  it('throttling is waited out as Retry-After says', async () => {
    const { facts, calls } = await factsIn('graph-throttled');
    expect(facts.entraPremium).toBe(true);
    expect(calls.filter((call) => call.status === 429)).toHaveLength(2);
  });
});

describe('sign-in and Graph through an outbound proxy', () => {
  it('go through the proxy given at sign-in, and later sessions keep using it', async () => {
    await lab.useScenario('healthy');
    const dataDir = join(dir, 'proxy-data');
    const proxied = () => lab.outbound?.proxied ?? [];
    const from = proxied().length;
    const first = testCompanion({ lab: lab.config(), dataDir });
    await first.companion
      .signIn({ proxy: 'http://proxy.contoso.local:8080' })
      .withDeviceCode((prompt) => lab.entra?.approveDeviceCode(prompt.userCode));
    expect(proxied().slice(from)).toContain('login.microsoftonline.com:443');
    first.companion.close();
    const second = testCompanion({ lab: lab.config(), dataDir });
    const before = proxied().length;
    const facts = await readTenantFacts(second.companion.graph());
    expect(facts.tenantId).toBe(LAB_TENANT_ID);
    expect(proxied().slice(before)).toContain('graph.microsoft.com:443');
    expect(readFileSync(join(dataDir, 'journal.jsonl'), 'utf8')).toContain(
      'GET https://graph.microsoft.com/v1.0/organization (via http://proxy.contoso.local:8080)',
    );
    second.dispose();
  });

  it('a proxy that asks for credentials is named as the reason', async () => {
    await lab.useScenario('proxy-auth');
    const test = testCompanion({ lab: lab.config() });
    try {
      const error = await test.companion
        .signIn({ proxy: 'http://proxy.contoso.local:8080' })
        .withDeviceCode(() => undefined)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SIGN_IN_FAILED', message: expect.stringContaining('407') });
    } finally {
      test.dispose();
      await lab.useScenario('healthy');
    }
  });
});
