import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, root, test, signInByDeviceCode } from './fixtures.ts';

const PASSWORD = 'NdesPfx2026';

test.use({ scenario: 'publish-custom-domain' });

test('Publish on a custom domain: the PFX password goes with one run only, is cleared, and is in no record', async ({
  app,
  lab,
}) => {
  const steps = app.getByRole('navigation', { name: 'Runbook steps' });
  const log = app.getByRole('log', { name: 'Activity log' });
  await signInByDeviceCode(app, lab);

  await steps.getByRole('button', { name: /^Publish/ }).click();
  await app.getByLabel('Application name').fill('NDES');
  await app.getByLabel('Internal URL').fill('http://ndes01.contoso.local/');
  await app.getByLabel('Custom domain name (optional)').fill('ndes.contoso.com');
  await app
    .getByLabel('Certificate (PFX) for the custom domain (optional)')
    .fill(join(root, 'tests', 'fixtures', 'custom-domain', 'good.pfx'));
  const password = app.getByLabel('PFX password (only with a custom domain)');
  await expect(password).toHaveAttribute('type', 'password');
  await password.fill(PASSWORD);
  expect((await new AxeBuilder({ page: app }).analyze()).violations.map((violation) => violation.id)).toEqual([]);
  await app.getByRole('button', { name: 'Run step' }).click();
  const result = app.getByRole('region', { name: 'Result' });
  await expect(result).toContainText('Published: "NDES" at https://ndes.contoso.com/certsrv/mscep/ with Passthrough.');
  await expect(result).toContainText('DNS: ndes.contoso.com is a CNAME to ndes-contoso.msappproxy.net');
  // Sent with that run only: the field is empty again, and nothing the companion keeps holds it.
  await expect(password).toHaveValue('');
  for (const file of ['journal.jsonl', 'state.json'])
    expect(readFileSync(join(lab.dataDir, file), 'utf8')).not.toContain(PASSWORD);
  expect(await log.textContent()).not.toContain(PASSWORD);
  expect(await app.content()).not.toContain(PASSWORD);
});
