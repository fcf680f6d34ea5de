import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '../../electron/preview/host.ts';
import { findChromium } from '../../electron/preview/launch.ts';
import { useLab } from '../helpers/cloud-lab.ts';
import { testCompanion } from '../helpers/companion.ts';
import { runLabCli } from '../helpers/lab-cli.ts';
import { pdfText } from '../helpers/pdf-text.ts';
import { LAB_TENANT_ID } from '../lab/world.ts';

/**
 * Offline runbook mode against the whole lab world: the local steps run for real (our scripts
 * over the fake Windows, the probes against the lab's endpoints), the cloud steps are recorded
 * from the "portal", and the lab's Entra ID and Graph receive nothing at all. Then the CLI writes
 * the runbook, whose PDF is read back by poppler's pdftotext and whose HTML is opened in Chromium
 * with every request counted.
 */
const { lab, dir } = useLab('ndes-offline-');

const runCli = (args: string[]) => runLabCli(lab().cliArgs, args, join(dir, 'cli-data'));

describe('offline runbook mode against the lab', () => {
  it('runs the local steps for real, records the cloud steps, and sends Entra ID and Graph nothing', async () => {
    await lab().useScenario('connector-registered');
    const entraBefore = lab().entra?.requests() ?? 0;
    const graphBefore = lab().graph?.calls.length ?? 0;
    const test = testCompanion({ lab: lab().config() });
    try {
      const { runbook } = test.companion;
      runbook.setMode('offline');
      const quiet = () => undefined;
      // What the wizard does on opening: read which server this is (one PowerShell run).
      await test.companion.handlers['host:identity']({}, { emit: quiet });
      const readiness = await runbook.run(
        'readiness',
        { internalUrl: 'http://ndes01.contoso.local/' },
        undefined,
        quiet,
      );
      expect(readiness.report?.results.length).toBeGreaterThan(10);
      expect((await runbook.run('sign-in', { tenantId: LAB_TENANT_ID }, undefined, quiet)).status).toBe('confirmed');
      // Registration's Verify reads only this server: it runs in offline mode too.
      expect(
        (await runbook.verify('registration', { tenantId: '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13' }, undefined, quiet))
          .status,
      ).toBe('passed');
      expect((await runbook.run('registration', { connectorActive: 'yes' }, undefined, quiet)).status).toBe(
        'confirmed',
      );
      expect(
        (
          await runbook.run(
            'connector-status',
            { connectorActive: 'yes', connectorGroup: 'NDES', activeInGroup: '1' },
            undefined,
            quiet,
          )
        ).summary,
      ).toContain('Warning: fewer than 2 active connectors in the group: no high availability.');
      expect(
        (
          await runbook.run(
            'publish',
            { externalUrl: 'https://ndes-contoso.msappproxy.net/', passthrough: 'yes' },
            undefined,
            quiet,
          )
        ).status,
      ).toBe('confirmed');
      // Verify runs for real through the lab's App Proxy front, with the URL the admin recorded.
      const verify = await runbook.run('verify', { internalUrl: 'http://ndes01.contoso.local/' }, undefined, quiet);
      expect(
        verify.report?.results.some((result) => result.group === 'scep-external' && result.status === 'pass'),
      ).toBe(true);
      expect(
        (
          await runbook.run(
            'intune',
            {
              profilesChanged: 'Contoso iOS SCEP',
              previousUrls: 'http://ndes01.contoso.local/certsrv/mscep/mscep.dll',
            },
            undefined,
            quiet,
          )
        ).status,
      ).toBe('confirmed');
      const written = await runbook.run(
        'report',
        { folder: join(dir, 'report'), formats: 'markdown,json' },
        undefined,
        quiet,
      );
      expect(written.status).toBe('passed');
      const markdown = readFileSync(join(dir, 'report', 'runbook.md'), 'utf8');
      // The back-out plan puts back exactly what the admin recorded the profiles held before.
      expect(markdown).toContain('set SCEP Server URLs back to http://ndes01.contoso.local/certsrv/mscep/mscep.dll.');
      // Local steps also say how to do them without the app.
      expect(markdown).toContain('select Download connector service');
      expect(markdown).toContain('Check that ndes01.contoso.local is listed with the status Active');
      expect(markdown).toContain("This server's connector is Active in NDES, with 1 active connector(s).");
      // Nothing reached Microsoft's stand-ins: not a token request, not a discovery, not a Graph call.
      expect(lab().entra?.requests()).toBe(entraBefore);
      expect(lab().graph?.calls.length).toBe(graphBefore);
    } finally {
      test.dispose();
    }
  });

  it('after a real sign-in against the lab, offline mode can no longer be chosen', async () => {
    await lab().useScenario('healthy');
    const test = testCompanion({ lab: lab().config() });
    try {
      await test.companion.signIn().withDeviceCode((prompt) => lab().entra?.approveDeviceCode(prompt.userCode));
      expect(() => test.companion.runbook.setMode('offline')).toThrow(/already called Microsoft/);
    } finally {
      test.dispose();
    }
  });

  it('ndes-companion runbook --offline writes Markdown, HTML, PDF and JSON a reader can follow to the end', async () => {
    await lab().useScenario('healthy');
    const out = join(dir, 'runbook');
    const entraBefore = lab().entra?.requests() ?? 0;
    const { code, stdout } = await runCli([
      'runbook',
      '--offline',
      '--internal-url',
      'https://ndes01.contoso.local/',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    for (const file of ['runbook.md', 'runbook.html', 'runbook.pdf', 'runbook.json'])
      expect(stdout).toContain(join(out, file));
    expect(lab().entra?.requests()).toBe(entraBefore);

    // The PDF, as poppler reads it: every section and every step, in order.
    const text = pdfText(join(out, 'runbook.pdf'), true);
    const sections = [
      'Environment',
      '1. Readiness',
      '2. Sign-in',
      '3. Connector install',
      '4. Registration',
      '5. Outbound proxy',
      '6. Connector status',
      '7. Publish',
      '8. Verify',
      '9. Intune',
      '10. Report',
      'Open warnings',
      'What to do next',
      'Back-out plan',
    ];
    let at = 0;
    for (const section of sections) {
      const found = text.indexOf(section, at);
      expect(found, `${section} in the PDF after position ${at}`).toBeGreaterThanOrEqual(0);
      at = found;
    }
    expect(text).toContain('Internal Url: https://ndes01.contoso.local/certsrv/mscep/');

    // The HTML opened in Chromium with the network cut: it asks for nothing but itself.
    const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      await page.route('**/*', async (route) => {
        requested.push(route.request().url());
        if (route.request().url().startsWith('file:')) await route.continue();
        else await route.abort('internetdisconnected');
      });
      const file = pathToFileURL(join(out, 'runbook.html')).href;
      await page.goto(file);
      expect(requested).toEqual([file]);
      await expect.poll(() => page.getByRole('heading', { name: 'Back-out plan' }).count()).toBe(1);
    } finally {
      await browser.close();
    }
  });
});
