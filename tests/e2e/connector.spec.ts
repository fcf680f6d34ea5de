import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { LAB_TENANT_ID } from '../lab/world.ts';

const PICKED = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';

async function openInstall(app: Page): Promise<void> {
  await app
    .getByRole('navigation', { name: 'Runbook steps' })
    .getByRole('button', { name: /^Connector install/ })
    .click();
  await app.getByLabel('Connector installer').fill(PICKED);
}

test('install: the progress bar and the streamed log while it runs, then the result with its record', async ({
  app,
  lab,
}, testInfo) => {
  await openInstall(app);
  await app.getByRole('button', { name: 'Run step' }).click();
  // A determinate bar: the script says how far it has come.
  await expect(app.getByRole('progressbar', { name: 'Progress of Connector install' })).toHaveAttribute(
    'value',
    /^\d+$/,
  );
  const log = app.getByRole('log', { name: 'Activity log' });
  await expect(log).toContainText('Copying it where only administrators can write');
  await expect(app.getByRole('heading', { level: 2, name: 'Result' })).toBeVisible();
  await expect(app.getByRole('status').filter({ hasText: 'Connector 1.5.4287.0 installed' })).toContainText(
    'WAPCSvc and WAPCUpdaterSvc are running',
  );
  await expect(log).toContainText('Windows Installer is installing the connector');
  await app.getByText('Details for the record').click();
  await expect(app.locator('.evidence')).toContainText('Exit code 0: success');
  await expect(app.getByRole('button', { name: /^Connector install/ })).toContainText('Passed');
  // One PowerShell process for the action (the host identity read at start is the other).
  expect(lab.records().filter((record) => record.script === 'Install-Connector.ps1')).toHaveLength(1);
  const results = await new AxeBuilder({ page: app }).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  await app.screenshot({ path: testInfo.outputPath('install-done.png') });
});

test("What if checks Microsoft's signature and changes nothing", async ({ app, lab }) => {
  await openInstall(app);
  await app.getByRole('button', { name: 'Check only (What if)' }).click();
  await expect(app.getByRole('heading', { level: 2, name: 'What if (nothing was changed)' })).toBeVisible();
  await expect(app.getByRole('status').filter({ hasText: '-WhatIf' })).toContainText(
    "the installer is Microsoft's (version 1.5.4287.0); nothing was copied or run",
  );
  const install = lab.records().find((record) => record.script === 'Install-Connector.ps1');
  expect(install?.argv).toContain('-WhatIf');
});

test.describe('an installer without a signature', () => {
  test.use({ scenario: 'installer-unsigned' });
  test('is refused with the reason and what to do, and nothing runs', async ({ app }, testInfo) => {
    await openInstall(app);
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Refused, nothing was run' })).toContainText(
      "the installer's Authenticode signature is missing",
    );
    await expect(app.getByRole('region', { name: 'Result' })).toContainText(
      'Download the installer again from the Application proxy page',
    );
    await expect(app.getByRole('button', { name: /^Connector install/ })).toContainText('Failed');
    await app.screenshot({ path: testInfo.outputPath('install-refused.png') });
  });
});

test.describe('an installer that fails', () => {
  test.use({ scenario: 'installer-fails' });
  test('shows exit code 1603, its log lines and the remedy', async ({ app }) => {
    await openInstall(app);
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'exit code 1603' })).toContainText(
      'MicrosoftEntraPrivateNetworkConnector_20261201101500.log',
    );
    await expect(app.locator('.evidence')).toContainText('Action ended 10:15:02: InstallFinalize. Return value 3.');
    await expect(app.getByRole('region', { name: 'Result' })).toContainText('.NET Framework older than 4.7.2');
  });
});

test.describe('an installer that needs a restart', () => {
  test.use({ scenario: 'installer-needs-restart' });
  test('3010: the banner says so, the restart is confirmed first and scheduled with time to cancel', async ({
    app,
    lab,
  }, testInfo) => {
    await openInstall(app);
    await app.getByRole('button', { name: 'Run step' }).click();
    const log = app.getByRole('log', { name: 'Activity log' });
    // The preview host cannot reopen itself: said before the installer runs.
    await expect(log).toContainText('This host cannot reopen itself after a restart');
    await expect(
      app.getByRole('status').filter({ hasText: 'restart the server to finish (exit code 3010)' }),
    ).toBeVisible();
    const banner = app.getByRole('region', { name: 'Restart needed' });
    await expect(banner).toContainText(
      'the connector installer asked for a restart of this server to finish (exit code 3010)',
    );
    await expect(banner).toContainText('After the restart, open the companion again');
    await banner.getByRole('button', { name: 'Restart the server…' }).click();
    await expect(banner).toContainText('Restart this server in 60 seconds?');
    await banner.getByRole('button', { name: 'Yes, restart in 60 seconds' }).click();
    await expect(banner.getByRole('status')).toContainText(
      'Windows restarts this server in 60 seconds. To stop it, run shutdown /a.',
    );
    expect(
      lab
        .records()
        .filter((record) => record.script === 'Set-RestartResume.ps1')
        .map((record) => record.argv.join(' ')),
    ).toEqual([expect.stringContaining('-Action Restart -DelaySeconds 60')]);
    expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);
    await app.screenshot({ path: testInfo.outputPath('install-needs-restart.png') });
  });
});

async function openProxy(app: Page): Promise<void> {
  await app
    .getByRole('navigation', { name: 'Runbook steps' })
    .getByRole('button', { name: /^Outbound proxy/ })
    .click();
  await app.getByLabel('Proxy address (optional)').fill('http://proxy.contoso.local:8080');
  await app.getByLabel('NDES server name (optional)').fill('ndes01.contoso.local');
}

test('install, register through the sign-in window, then the outbound proxy: progress, log and results all the way', async ({
  app,
  lab,
  signInPages,
}, testInfo) => {
  // Three steps, each a real PowerShell run, and a second browser for the sign-in: more than one test's default minute.
  await openInstall(app);
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(app.getByRole('button', { name: /^Connector install/ })).toContainText('Passed');

  await app
    .getByRole('navigation', { name: 'Runbook steps' })
    .getByRole('button', { name: /^Registration/ })
    .click();
  await app.getByLabel('Tenant ID').fill(LAB_TENANT_ID);
  await app.getByRole('button', { name: 'Show plan' }).click();
  await expect(app.getByRole('region', { name: 'Plan' })).toContainText(
    'redirect https://login.microsoftonline.com/common/oauth2/nativeclient',
  );
  await app.getByRole('button', { name: 'Run step' }).click();
  // What the admin does in the sign-in window: accept.
  await expect.poll(() => signInPages.length).toBe(1);
  const signIn = signInPages[0];
  await signIn?.getByRole('link', { name: 'Accept' }).click();
  await expect(app.getByRole('status').filter({ hasText: `registered to tenant ${LAB_TENANT_ID}` })).toContainText(
    'WAPCSvc is running',
  );
  await expect(app.getByRole('log', { name: 'Activity log' })).toContainText(
    'Registration token issued for admin@contoso.onmicrosoft.com',
  );
  expect(signIn?.isClosed()).toBe(true);
  await app.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(
    app.getByRole('status').filter({ hasText: `registered to tenant ${LAB_TENANT_ID} and WAPCSvc is running` }),
  ).toBeVisible();

  await openProxy(app);
  await app.getByRole('button', { name: 'Show plan' }).click();
  await expect(app.getByRole('region', { name: 'Plan' })).toContainText(
    'ConfigureOutBoundProxy.ps1" -ProxyAddress http://proxy.contoso.local:8080',
  );
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(app.getByRole('progressbar', { name: 'Progress of Outbound proxy' })).toHaveAttribute('value', /^\d+$/);
  const log = app.getByRole('log', { name: 'Activity log' });
  await expect(log).toContainText('Running ConfigureOutBoundProxy.ps1 -ProxyAddress http://proxy.contoso.local:8080');
  await expect(
    app.getByRole('status').filter({ hasText: 'The connector and its updater use http://proxy.contoso.local:8080' }),
  ).toContainText('ndes01.contoso.local kept off the proxy');
  await app.getByText('Details for the record').click();
  await expect(app.locator('.evidence')).toContainText('bypass list ndes01\\.contoso\\.local');
  await expect(app.getByRole('button', { name: /^Outbound proxy/ })).toContainText('Passed');
  // No token reached the window, its log or anything the lab recorded.
  expect(await app.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
  expect(JSON.stringify(lab.records())).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
  const results = await new AxeBuilder({ page: app }).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  await app.screenshot({ path: testInfo.outputPath('proxy-done.png') });
});

test.describe('a connector config that cannot be written', () => {
  test.use({ scenario: 'proxy-config-readonly' });
  test('the proxy step puts everything back and says what to check', async ({ app }, testInfo) => {
    await openProxy(app);
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Nothing changed' })).toContainText(
      'is denied. The previous configuration was put back.',
    );
    await expect(app.getByRole('region', { name: 'Result' })).toContainText('clear their read-only attribute');
    await expect(app.getByRole('button', { name: /^Outbound proxy/ })).toContainText('Failed');
    await app.screenshot({ path: testInfo.outputPath('proxy-rolled-back.png') });
  });
});

test.describe('a proxy that asks for credentials', () => {
  test.use({ scenario: 'proxy-auth' });
  test('is refused before anything changes, with the reason', async ({ app, lab }) => {
    await openProxy(app);
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Refused, nothing was changed' })).toContainText(
      '407 Proxy Authentication Required',
    );
    expect(lab.records().filter((record) => record.script === 'Set-ConnectorProxy.ps1')).toHaveLength(0);
  });
});
