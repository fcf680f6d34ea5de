import { AxeBuilder } from '@axe-core/playwright';
import { PREVIEW_ORIGIN } from '../../electron/preview/host.ts';
import { expect, test, signInByDeviceCode } from './fixtures.ts';

const EXTERNAL = 'https://ndes-contoso.msappproxy.net/certsrv/mscep/';
const SERVER = 'https://ndes-contoso.msappproxy.net/';
const SCEP = `${SERVER}certsrv/mscep/mscep.dll`;
const INTERNAL_SCEP = 'https://ndes01.contoso.local/certsrv/mscep/mscep.dll';

test.use({ scenario: 'connector-registered' });

test('after Publish: copy the external URL, Verify and Intune start from it, and only the ticked SCEP profile changes', async ({
  app,
  lab,
  context,
}, testInfo) => {
  const steps = app.getByRole('navigation', { name: 'Runbook steps' });
  const log = app.getByRole('log', { name: 'Activity log' });
  await signInByDeviceCode(app, lab);

  // Publish, then copy the external URL it read back.
  await steps.getByRole('button', { name: /^Publish/ }).click();
  await app.getByLabel('Application name').fill('NDES');
  await app.getByLabel('Internal URL').fill('http://ndes01.contoso.local/');
  await app.getByRole('button', { name: 'Run step' }).click();
  const result = app.getByRole('region', { name: 'Result' });
  await expect(result.getByText(EXTERNAL, { exact: true })).toBeVisible();
  // No clipboard permission was granted: a click is all writing needs on the app's secure origin.
  await result.getByRole('button', { name: 'Copy external URL' }).click();
  await expect(result.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  // Reading back is the test's own need (granting one permission refuses the others: write stays granted).
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: PREVIEW_ORIGIN });
  expect(await app.evaluate(() => navigator.clipboard.readText())).toBe(EXTERNAL);
  await result.getByRole('button', { name: 'Copy SCEP URL' }).click();
  await expect.poll(() => app.evaluate(() => navigator.clipboard.readText())).toBe(SCEP);
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);

  // Verify starts from the URL Publish read back, says so, and the run names it.
  await steps.getByRole('button', { name: /^Verify/ }).click();
  const external = app.getByRole('textbox', { name: 'External URL' });
  await expect(external).toHaveValue(SERVER);
  await expect(app.locator('#verify-externalUrl-from')).toContainText(
    `Step 7 (Publish) read back ${SERVER}: this step uses it.`,
  );
  await app.getByRole('button', { name: 'Copy External URL' }).click();
  await expect.poll(() => app.evaluate(() => navigator.clipboard.readText())).toBe(SERVER);
  // The admin may type another; it is used, and the page says so.
  await external.fill('https://ndes-fabrikam.msappproxy.net/');
  await expect(app.locator('#verify-externalUrl-from')).toContainText('this step uses what you typed');
  await app.getByRole('button', { name: 'Use the value step 7 read back' }).click();
  await expect(external).toHaveValue(SERVER);
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(log).toContainText(`External URL: ${SERVER}, as step 7 (Publish) read it back.`);
  await expect(app.locator('#checks-heading')).toBeVisible();

  // Intune: the SCEP URL Publish read back, the profiles listed with a checkbox each, the pilot ticked.
  await steps.getByRole('button', { name: /^Intune/ }).click();
  await expect(app.getByRole('textbox', { name: 'External SCEP URL' })).toHaveValue(SCEP);
  await app.getByLabel('Internal SCEP URL to replace (optional)').fill(INTERNAL_SCEP);
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(
    app.getByRole('status').filter({ hasText: '4 SCEP profile(s); 3 would change (replace)' }),
  ).toBeVisible();
  const profiles = app.getByRole('group', { name: /^Profiles to change/ });
  await expect(profiles).toContainText('Profiles to change: 1 of 3 ticked');
  await expect(app.getByText('Try one profile first.')).toBeVisible();
  await expect(profiles.getByRole('checkbox', { name: 'Contoso iOS SCEP' })).toBeChecked();
  await expect(profiles.getByRole('checkbox', { name: 'Contoso Windows SCEP' })).not.toBeChecked();
  await expect(profiles.getByRole('checkbox', { name: 'Fabrikam macOS SCEP' })).toBeDisabled();
  // Each checkbox is described by its diff, so a screen reader hears the change with the name.
  await expect(profiles.getByRole('checkbox', { name: 'Contoso iOS SCEP' })).toHaveAccessibleDescription(
    `Now ${INTERNAL_SCEP} Removed ${INTERNAL_SCEP} Added ${SCEP} After ${SCEP}`,
  );
  await expect(profiles.getByRole('checkbox', { name: 'Fabrikam macOS SCEP' })).toHaveAccessibleDescription(
    `Now https://ndes.fabrikam.com/certsrv/mscep/mscep.dll No change does not use ${INTERNAL_SCEP}`,
  );
  // Keyboard: tick a second profile with Space, then back to the pilot alone.
  await profiles.getByRole('checkbox', { name: 'Contoso Windows SCEP' }).focus();
  await app.keyboard.press('Space');
  await expect(app.getByRole('button', { name: 'Apply to 2 ticked profiles' })).toBeEnabled();
  await app.getByRole('button', { name: 'Pilot: first profile only' }).click();
  await expect(profiles.getByRole('checkbox', { name: 'Contoso Windows SCEP' })).not.toBeChecked();
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);
  await app.screenshot({ path: testInfo.outputPath('intune-profiles.png'), fullPage: true });

  await app.getByRole('button', { name: 'Apply to 1 ticked profile' }).click();
  await expect(app.getByRole('status').filter({ hasText: 'Changed 1 profile(s): Contoso iOS SCEP.' })).toBeVisible();
  const urls = (name: string) =>
    lab.graph?.configurations().find((configuration) => configuration.displayName === name)?.scepServerUrls;
  expect(urls('Contoso iOS SCEP')).toEqual([SCEP]);
  expect(urls('Contoso Windows SCEP')).toEqual([INTERNAL_SCEP]);
  // The list is as Intune holds it now: the pilot is done, and nothing is ticked for a second
  // change until the admin ticks it; a plain Run only refreshes the list.
  await expect(profiles.getByRole('checkbox', { name: 'Contoso iOS SCEP' })).toBeDisabled();
  await expect(profiles.getByRole('checkbox', { name: 'Contoso Windows SCEP' })).not.toBeChecked();
  await expect(app.getByRole('button', { name: 'Apply to 0 ticked profiles' })).toBeDisabled();
  await app.getByRole('button', { name: 'Run step' }).click();
  await expect(
    app.getByRole('status').filter({ hasText: 'Nothing was changed: choose the profiles to change' }),
  ).toBeVisible();
  expect(urls('Contoso Windows SCEP')).toEqual([INTERNAL_SCEP]);
});
