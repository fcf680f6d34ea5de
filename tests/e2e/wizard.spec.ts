import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { steps } from '../../electron/core/steps/index.ts';
import { expect, test } from './fixtures.ts';

async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  expect(summary).toEqual([]);
}

test('loads, identifies the lab server and streams its progress into the log pane', async ({ app }) => {
  await expect(app).toHaveTitle('Step 1 of 10: Readiness – NDES Proxy Companion');
  await expect(app.getByRole('status').filter({ hasText: 'NDES01' })).toContainText('Windows Server 2022');
  const log = app.getByRole('log', { name: 'Activity log' });
  // Printed by Get-HostIdentity.ps1 in PowerShell and streamed back as a progress event.
  await expect(log).toContainText('Reading the operating system');
  await expect(log).toContainText('Checking elevation');
  await expect(app.getByRole('list').first().getByRole('listitem')).toHaveCount(10);
});

// One test per step, so no single test runs long on a busy machine.
for (const [index, step] of steps.entries()) {
  test(`step ${index + 1} (${step.id}) opens by click, passes axe, and is captured`, async ({ app }, testInfo) => {
    const nav = app.getByRole('navigation', { name: 'Runbook steps' });
    await nav.getByRole('button', { name: new RegExp(`^${step.title}`) }).click();
    const heading = app.getByRole('heading', { level: 1 });
    await expect(heading).toHaveText(`Step ${index + 1} of 10: ${step.title}`);
    await expect(heading).toBeFocused();
    await expect(nav.locator('[aria-current="step"]')).toHaveAttribute('data-step', step.id);
    await expect(app).toHaveTitle(`Step ${index + 1} of 10: ${step.title} – NDES Proxy Companion`);
    await expectNoAxeViolations(app);
    await app.screenshot({ path: testInfo.outputPath(`step-${String(index + 1).padStart(2, '0')}-${step.id}.png`) });
  });
}

test('every step page opens by keyboard alone', async ({ app }) => {
  await app.locator('body').focus();
  for (const [index, step] of steps.entries()) {
    // Move with Tab / Shift+Tab only until the step's button has focus, then press Enter.
    let focused: string | null = null;
    for (let presses = 0; presses < 40; presses += 1) {
      focused = await app.evaluate(() => document.activeElement?.getAttribute('data-step') ?? null);
      if (focused === step.id) break;
      await app.keyboard.press(index === 0 ? 'Tab' : 'Shift+Tab');
    }
    // Focus is on this step's button before Enter, reached by the keyboard alone.
    expect(focused).toBe(step.id);
    await app.keyboard.press('Enter');
    const heading = app.getByRole('heading', { level: 1 });
    await expect(heading).toHaveText(`Step ${index + 1} of 10: ${step.title}`);
    await expect(heading).toBeFocused();
  }
});

test('the plan shows exact commands, and offline mode turns cloud steps into portal steps', async ({ app }) => {
  await app.getByRole('button', { name: /^Registration/ }).click();
  await app.getByLabel('Tenant ID').fill('72f988bf-86f1-41af-91ab-2d7cd011db47');
  await app.getByRole('button', { name: 'Show plan' }).click();
  const plan = app.getByRole('region', { name: 'Plan' });
  await expect(plan).toContainText(
    '-AuthenticationMode Token -Token <SecureString from stdin> -TenantId 72f988bf-86f1-41af-91ab-2d7cd011db47',
  );

  await app.getByRole('radio', { name: 'Offline runbook' }).check();
  await expect(app.getByRole('log', { name: 'Activity log' })).toContainText('offline runbook');
  await expect(app.getByRole('note')).toContainText('Offline runbook mode: no call to Microsoft Entra ID or Graph.');
  await app.getByRole('button', { name: 'Show plan' }).click();
  const offlinePlan = app.getByRole('region', { name: 'Plan (offline runbook)' });
  await expect(offlinePlan).toContainText(
    /sign in with an Application Administrator of tenant 72f988bf-86f1-41af-91ab-2d7cd011db47/i,
  );
  await expect(offlinePlan).not.toContainText('RegisterConnector.ps1');
  // Back in guided mode, the value typed before the switch is still there.
  await app.getByRole('radio', { name: 'Guided' }).check();
  await expect(app.getByRole('note')).toHaveCount(0);
  await expect(app.getByLabel('Tenant ID')).toHaveValue('72f988bf-86f1-41af-91ab-2d7cd011db47');
});

/** Relative luminance (WCAG) of a computed CSS colour. */
async function luminance(page: Page, selector: string, property: 'color' | 'backgroundColor'): Promise<number> {
  const value = await page
    .locator(selector)
    .first()
    .evaluate((element, name) => getComputedStyle(element)[name], property);
  const [r = 0, g = 0, b = 0] = (value.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test('the light theme is light: dark text on a light page', async ({ app }) => {
  expect(await luminance(app, 'body', 'backgroundColor')).toBeGreaterThan(0.7);
  expect(await luminance(app, 'h1', 'color')).toBeLessThan(0.2);
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });
  test('is dark, with light text, and passes axe', async ({ app }) => {
    expect(await luminance(app, 'body', 'backgroundColor')).toBeLessThan(0.1);
    expect(await luminance(app, 'h1', 'color')).toBeGreaterThan(0.6);
    await app.getByRole('button', { name: 'Show plan' }).click();
    await expect(app.getByRole('region', { name: 'Plan' })).toBeVisible();
    await expectNoAxeViolations(app);
  });
});

test.describe('a server where PowerShell reports a failure', () => {
  test.use({ scenario: 'wmi-broken' });
  test("shows the script's own message instead of a host", async ({ app }) => {
    await expect(app.getByRole('status').filter({ hasText: 'Win32_OperatingSystem' })).toBeVisible();
  });
});
