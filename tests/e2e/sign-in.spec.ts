import { AxeBuilder } from '@axe-core/playwright';
import { expect, test } from './fixtures.ts';

test('sign-in by device code: the code is shown in the log, and the result names the tenant, roles and licences', async ({
  app,
  lab,
}, testInfo) => {
  await app
    .getByRole('navigation', { name: 'Runbook steps' })
    .getByRole('button', { name: /^Sign-in/ })
    .click();
  await app.getByRole('button', { name: 'Show plan' }).click();
  await expect(app.getByRole('region', { name: 'Plan' })).toContainText(
    'POST https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode',
  );
  await app.getByRole('button', { name: 'Run step' }).click();
  const log = app.getByRole('log', { name: 'Activity log' });
  await expect(log).toContainText('https://login.microsoftonline.com/devicelogin');
  // What a person does: read the code on the page and type it in a browser.
  const code = /enter the code (\S+) \(/.exec((await log.textContent()) ?? '')?.[1];
  expect(code).toBeTruthy();
  expect(lab.entra?.approveDeviceCode(code ?? '')).toBe(true);
  await expect(
    app.getByRole('status').filter({ hasText: 'Signed in as admin@contoso.onmicrosoft.com to Contoso' }),
  ).toContainText('Roles, licence and Application Proxy are in order.');
  await app.getByText('Details for the record').click();
  await expect(app.locator('.evidence')).toContainText('Active roles: Application Administrator, Intune Administrator');
  await expect(app.getByRole('button', { name: /^Sign-in/ })).toContainText('Passed');
  // No token reached the page.
  expect(await app.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
  const results = await new AxeBuilder({ page: app }).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  await app.screenshot({ path: testInfo.outputPath('sign-in-done.png') });
});

test('sign-in in the browser: the sign-in page opens, the admin accepts, and the page shows who signed in', async ({
  app,
  signInPages,
}) => {
  await app
    .getByRole('navigation', { name: 'Runbook steps' })
    .getByRole('button', { name: /^Sign-in/ })
    .click();
  await app.getByLabel('Sign-in method (optional)').selectOption('browser');
  await app.getByRole('button', { name: 'Show plan' }).click();
  await expect(app.getByRole('region', { name: 'Plan' })).toContainText(
    'redirect http://localhost:<free port>, form_post',
  );
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect.poll(() => signInPages.length).toBe(1);
  await signInPages[0]?.getByRole('link', { name: 'Accept' }).click();
  await expect(
    app.getByRole('status').filter({ hasText: 'Signed in as admin@contoso.onmicrosoft.com to Contoso' }),
  ).toBeVisible();
  await expect(app.getByRole('log', { name: 'Activity log' })).toContainText(
    "Opening the sign-in page in this server's browser",
  );
  await expect.poll(() => signInPages[0]?.isClosed()).toBe(true);
  expect(await app.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
});

test.describe('an admin with only Cloud Application Administrator', () => {
  test.use({ scenario: 'tenant-cloud-app-admin' });
  test('is told it is not enough, and what to do', async ({ app, lab }) => {
    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Sign-in/ })
      .click();
    await app.getByRole('button', { name: 'Run step' }).click();
    const log = app.getByRole('log', { name: 'Activity log' });
    await expect(log).toContainText('devicelogin');
    lab.entra?.approveDeviceCode(/enter the code (\S+) \(/.exec((await log.textContent()) ?? '')?.[1] ?? '');
    await expect(
      app.getByRole('status').filter({ hasText: 'Cloud Application Administrator is not enough' }),
    ).toBeVisible();
    await expect(app.getByRole('region', { name: 'Result' })).toContainText(
      'Use an account with Application Administrator',
    );
  });
});

test.describe('on a server whose connector is registered', () => {
  test.use({ scenario: 'connector-registered' });
  test('sign in by device code, publish NDES with Passthrough, then switch a SCEP profile: every call planned first, results on the page', async ({
    app,
    lab,
  }, testInfo) => {
    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Sign-in/ })
      .click();
    await app.getByRole('button', { name: 'Run step' }).click();
    const log = app.getByRole('log', { name: 'Activity log' });
    await expect(log).toContainText('devicelogin');
    lab.entra?.approveDeviceCode(/enter the code (\S+) \(/.exec((await log.textContent()) ?? '')?.[1] ?? '');
    await expect(app.getByRole('button', { name: /^Sign-in/ })).toContainText('Passed');

    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Publish/ })
      .click();
    await app.getByLabel('Application name').fill('NDES');
    await app.getByLabel('Internal URL').fill('http://ndes01.contoso.local/');
    await app.getByLabel('Dedicated connector group (optional)').fill('NDES');
    await app.getByRole('button', { name: 'Show plan' }).click();
    const plan = app.getByRole('region', { name: 'Plan' });
    await expect(plan).toContainText(
      'POST https://graph.microsoft.com/v1.0/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate',
    );
    await expect(plan).toContainText(
      '"externalAuthenticationType":"passthru","internalUrl":"http://ndes01.contoso.local/certsrv/mscep/"',
    );
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Published: "NDES"' })).toContainText(
      'SCEP URL for Intune: https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
    );
    await expect(log).toContainText('Publishing http://ndes01.contoso.local/certsrv/mscep/ with Passthrough.');
    await expect(app.getByRole('button', { name: /^Publish/ })).toContainText('Passed');
    expect(lab.graph?.apps()).toHaveLength(1);
    await app.screenshot({ path: testInfo.outputPath('publish-done.png') });

    // Then switch one SCEP profile, as a pilot, after listing the proposed change.
    const scepUrl = 'https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll';
    await app
      .getByRole('navigation', { name: 'Runbook steps' })
      .getByRole('button', { name: /^Intune/ })
      .click();
    await app.getByLabel('External SCEP URL').fill(scepUrl);
    await app
      .getByLabel('Internal SCEP URL to replace (optional)')
      .fill('https://ndes01.contoso.local/certsrv/mscep/mscep.dll');
    await app.getByRole('button', { name: 'Run step' }).click();
    await expect(
      app.getByRole('status').filter({ hasText: '4 SCEP profile(s); 3 would change (replace)' }),
    ).toBeVisible();
    const pilot = lab.graph?.configurations().find((configuration) => configuration.displayName === 'Contoso iOS SCEP');
    await expect(app.getByRole('checkbox', { name: 'Contoso iOS SCEP' })).toBeChecked();
    await app.getByRole('button', { name: 'Apply to 1 ticked profile' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Changed 1 profile(s): Contoso iOS SCEP.' })).toContainText(
      'Their earlier URLs are kept for rollback.',
    );
    expect(lab.graph?.configurations().find((configuration) => configuration.id === pilot?.id)?.scepServerUrls).toEqual(
      [scepUrl],
    );
    await app.screenshot({ path: testInfo.outputPath('intune-pilot.png') });
  });
});
