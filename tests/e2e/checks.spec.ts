import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL } from '../lab/world.ts';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, root, test } from './fixtures.ts';

async function runReadiness(app: Page): Promise<void> {
  await app.getByLabel('Internal NDES URL').fill(LAB_INTERNAL_URL);
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(app.getByRole('heading', { level: 2, name: /^(Ready|Not ready|Incomplete):/ })).toBeVisible();
}

function group(app: Page, title: string) {
  return app.getByRole('region', { name: title, exact: true });
}

test('readiness against a healthy lab server: every group, results readable, no violations', async ({
  app,
}, testInfo) => {
  await runReadiness(app);
  await expect(
    app.getByRole('heading', {
      level: 2,
      name: /^Ready: no critical check failed and every critical check ran \(\d+ passed, 0 failed/,
    }),
  ).toBeVisible();
  for (const title of ['This server', 'NDES and IIS on this server', 'SCEP at the internal URL'])
    await expect(group(app, title)).toBeVisible();
  const mscep = app.locator('[data-check="internal.mscep"]');
  await expect(mscep).toContainText('Passed');
  await mscep.locator('summary').click();
  await expect(mscep).toContainText('HTTP 403 is the healthy answer');
  await expect(app.locator('[data-check="internal.getcacert"]')).toContainText('Passed');
  await expect(app.getByRole('log', { name: 'Activity log' })).toContainText(
    'PASS mscep.dll answers 403 at the internal URL',
  );
  await expect(app.getByRole('button', { name: /^Readiness/ })).toContainText('Passed');
  const results = await new AxeBuilder({ page: app }).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  await app.getByRole('heading', { level: 2, name: /^Ready:/ }).scrollIntoViewIfNeeded();
  await app.screenshot({ path: testInfo.outputPath('readiness-healthy.png') });
});

test.describe('an NDES server left at its defaults', () => {
  test.use({ scenario: 'ndes-not-ready' });
  test('readiness puts the failures first, open, with cause and remedy; a group runs again alone', async ({
    app,
    lab,
  }, testInfo) => {
    await runReadiness(app);
    await expect(app.getByRole('heading', { level: 2, name: /^Not ready:/ })).toBeVisible();
    const ndes = group(app, 'NDES and IIS on this server');
    const limits = ndes.locator('[data-check="ndes.request-limits"]');
    await expect(limits).toContainText('Failed');
    await expect(limits).toContainText('Request filtering limits are below 65534');
    await expect(limits).toContainText('Maximum URL length and Maximum query string = 65534');
    await expect(app.locator('[data-check="internal.long-url"]')).toContainText(/404\.15|HTTP\.sys/);
    await expect(app.locator('[data-check="ndes.intune-connector"]')).toContainText('not installed');
    // Failed groups come before passing ones.
    const headings = await app.getByRole('heading', { level: 3 }).allTextContents();
    expect(headings.indexOf('NDES and IIS on this server')).toBeLessThan(headings.indexOf('This server'));
    await app.getByRole('heading', { level: 2, name: /^Not ready:/ }).scrollIntoViewIfNeeded();
    const shot = testInfo.outputPath('readiness-not-ready.png');
    await app.screenshot({ path: shot });
    // README's screenshot: UPDATE_SCREENSHOT=1 npx playwright test -g defaults
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(root, 'docs', 'screenshot.png'));

    const before = lab.records().length;
    await ndes.getByRole('button', { name: /Run again/ }).click();
    await expect(app.getByRole('log', { name: 'Activity log' })).toContainText('Running readiness checks (ndes).');
    await expect(limits).toContainText('Failed');
    // One PowerShell run for the group, nothing else.
    await expect.poll(() => lab.records().length).toBe(before + 1);
  });
});

test.describe('verify through the lab App Proxy', () => {
  test('healthy: the same CA answers through both URLs', async ({ app }) => {
    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Verify/ })
      .click();
    await app.getByLabel('Internal URL').fill(LAB_INTERNAL_URL);
    await app.getByLabel('External URL').fill(LAB_EXTERNAL_URL);
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('heading', { level: 2, name: /^Ready:/ })).toBeVisible();
    await expect(app.locator('[data-check="external.same-ca"]')).toContainText('Passed');
    await expect(app.locator('[data-check="external.tls"]')).toContainText('Passed');
  });
});

test.describe('an app with no active connector', () => {
  test.use({ scenario: 'appproxy-connector-down' });
  test("verify names application proxy's 504 and what to do", async ({ app }) => {
    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Verify/ })
      .click();
    await app.getByLabel('External URL').fill(LAB_EXTERNAL_URL);
    await app.getByRole('button', { name: 'Run step' }).click();
    const mscep = app.locator('[data-check="external.mscep"]');
    await expect(mscep).toContainText('no active connector');
    await expect(mscep).toContainText('start WAPCSvc and WAPCUpdaterSvc');
  });
});

test('a URL the input rules refuse never reaches a probe, and the message says what to type', async ({ app, lab }) => {
  const ndesRequests = lab.ndes?.requests.length ?? 0;
  await app.getByLabel('Internal NDES URL').fill('https://10.1.2.3/');
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(app.getByRole('alert')).toContainText("Use the NDES server's DNS name, not an IP address");
  expect(lab.ndes?.requests.length ?? 0).toBe(ndesRequests);
  expect(lab.records().filter((record) => record.script === 'Get-HostReadiness.ps1')).toHaveLength(0);
});

test.describe('a firewall that drops traffic silently', () => {
  test.use({ scenario: 'outbound-blocked' });
  test('cancel stops a readiness run at once and says so', async ({ app }) => {
    await app.getByLabel('Internal NDES URL').fill(LAB_INTERNAL_URL);
    await app.getByLabel('Probe timeout (seconds)').fill('120');
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: /Checking… \d+ checks done: \d+ failed/ })).toBeVisible();
    // The black-holed endpoints hold the run for 120 s: only the cancel can end it sooner, and a
    // run that ended by itself would say what it found, not that it was cancelled.
    await expect(app.getByRole('log', { name: 'Activity log' })).toContainText('PASS login.windows.net:443');
    await app.getByRole('button', { name: 'Cancel' }).click();
    await expect(app.getByRole('alert')).toContainText('The checks were cancelled before they finished.');
    await expect(app.getByRole('button', { name: 'Run step' })).toBeEnabled();
  });
});
