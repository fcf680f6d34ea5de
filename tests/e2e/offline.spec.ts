import { readFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { PREVIEW_ORIGIN } from '../../electron/preview/host.ts';
import { expect, test } from './fixtures.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

test('an offline run from start to an exported runbook: portal values checked and recorded, nothing sent to Microsoft', async ({
  app,
  lab,
  context,
}, testInfo) => {
  const entraBefore = lab.entra?.requests() ?? 0;
  const graphBefore = lab.graph?.calls.length ?? 0;
  const steps = app.getByRole('navigation', { name: 'Runbook steps' });
  await app.getByRole('radio', { name: 'Offline runbook' }).check();
  await expect(app.getByRole('note')).toContainText('Offline runbook mode: no call to Microsoft Entra ID or Graph.');

  // Sign-in becomes: what the portal shows, checked before it is recorded.
  await steps.getByRole('button', { name: /^Sign-in/ }).click();
  await expect(app.getByRole('heading', { name: 'What the portal shows' })).toBeVisible();
  await app.getByLabel('Tenant ID read in the portal').fill('contoso.onmicrosoft.com');
  await app.getByRole('button', { name: 'Record what the portal shows' }).click();
  await expect(app.getByRole('alert')).toContainText('"contoso.onmicrosoft.com" is not a tenant ID.');
  await app.getByLabel('Tenant ID read in the portal').fill(TENANT);
  await app.getByRole('button', { name: 'Record what the portal shows' }).click();
  await expect(
    app.getByRole('status').filter({ hasText: 'Recorded as confirmed by the admin (not verified by the companion)' }),
  ).toContainText(TENANT);
  await expect(steps.getByRole('button', { name: /^Sign-in/ })).toContainText('Confirmed by you');

  // Publish: the portal path with this runbook's values, then the external URL the portal showed.
  await steps.getByRole('button', { name: /^Publish/ }).click();
  await app.getByRole('button', { name: 'Show plan' }).click();
  await expect(app.getByRole('region', { name: 'Plan (offline runbook)' })).toContainText(
    'Pre Authentication: Passthrough',
  );
  await app.getByLabel('External URL shown in the portal').fill('https://ndes-contoso.msappproxy.net/');
  await app.getByLabel('Pre Authentication is Passthrough').selectOption('yes');
  await app.getByRole('button', { name: 'Record what the portal shows' }).click();
  await expect(steps.getByRole('button', { name: /^Publish/ })).toContainText('Confirmed by you');
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);

  // Report: save the HTML runbook, copy the summary, and write every format on the server.
  await steps.getByRole('button', { name: /^Report/ }).click();
  const download = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Save HTML (to print)' }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toMatch(/^runbook-.+\.html$/);
  const html = readFileSync((await saved.path()) ?? '', 'utf8');
  expect(html).toContain('2. Sign-in <span class="status status-CONFIRMED">☑ CONFIRMED BY THE ADMIN</span>');
  expect(html).toContain(
    'External URL https://ndes-contoso.msappproxy.net/, Pre Authentication Passthrough, as read in the portal.',
  );
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: PREVIEW_ORIGIN });
  await app.getByRole('button', { name: 'Copy summary for a ticket' }).click();
  await expect(app.getByText('Summary copied: paste it into the ticket.')).toBeVisible();
  expect(await app.evaluate(() => navigator.clipboard.readText())).toContain('2. Sign-in: confirmed by the admin');
  // The support bundle: a zip saved like the runbook, made without a cloud call.
  const bundleDownload = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Save support bundle (zip)' }).click();
  const bundle = await bundleDownload;
  expect(bundle.suggestedFilename()).toMatch(/^ndes-companion-support-.+\.zip$/);
  expect(
    readFileSync((await bundle.path()) ?? '')
      .subarray(0, 4)
      .toString('latin1'),
  ).toBe('PK\u0003\u0004');
  await expect(app.getByText(/^Saved ndes-companion-support-.+\.zip\./)).toBeVisible();
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(app.getByRole('status').filter({ hasText: 'The runbook is in ' })).toContainText(
    'runbook.md, runbook.html, runbook.pdf, runbook.json.',
  );
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);
  await app.screenshot({ path: testInfo.outputPath('offline-report.png'), fullPage: true });

  // The lab's Entra ID and Graph received nothing at all.
  expect(lab.entra?.requests()).toBe(entraBefore);
  expect(lab.graph?.calls.length).toBe(graphBefore);
});

test.describe('a companion killed while Readiness ran', () => {
  test.use({
    savedState: {
      version: 1,
      mode: 'guided',
      steps: {
        'sign-in': { status: 'passed', at: '2026-12-01T09:00:00.000Z' },
        readiness: { status: 'running', at: '2026-12-01T09:05:00.000Z' },
      },
      inputs: { readiness: { internalUrl: 'http://ndes01.contoso.local/' } },
      readBack: {},
      confirmations: {},
    },
  });
  test('reopens at that step, says it was interrupted, and verifies it', async ({ app }) => {
    await expect(app.getByRole('heading', { level: 1 })).toContainText('Readiness');
    const log = app.getByRole('log', { name: 'Activity log' });
    await expect(log).toContainText(
      'Step 1 (Readiness) was running when the companion stopped (last change 2026-12-01T09:05:00.000Z); Verify shows where it stands.',
    );
    await expect(log).toContainText('Step 1 was interrupted when the companion stopped: verifying it now.');
    await expect(log).toContainText('Verifying step 1: Readiness.');
    await expect(
      app.getByRole('navigation', { name: 'Runbook steps' }).getByRole('button', { name: /^Readiness/ }),
    ).not.toContainText('Interrupted');
  });
});
