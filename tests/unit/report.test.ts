import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { exportReport } from '../../electron/core/report/export.ts';
import { reportJsonSchema } from '../../electron/core/report/report.ts';
import { checkReportFolder } from '../../electron/core/steps/report/report-step.ts';
import { repoRoot, testCompanion, type TestCompanion } from '../helpers/companion.ts';

let subject: TestCompanion;
afterEach(() => subject?.dispose());

const TENANT = '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13';

async function offlineRunbook(): Promise<TestCompanion> {
  const test = testCompanion();
  test.companion.runbook.setMode('offline');
  await test.companion.runbook.run('sign-in', { tenantId: TENANT }, undefined, () => undefined);
  await test.companion.runbook.run(
    'publish',
    {
      appName: 'NDES',
      internalUrl: 'https://ndes01.contoso.local/',
      externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      passthrough: 'yes',
    },
    undefined,
    () => undefined,
  );
  return test;
}

describe('offline runbook mode', () => {
  it('records what the admin read off the portal as confirmed, never as verified, after checking it', async () => {
    subject = testCompanion();
    subject.companion.runbook.setMode('offline');
    await expect(
      subject.companion.runbook.run('sign-in', { tenantId: 'contoso.onmicrosoft.com' }, undefined, () => undefined),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: '"contoso.onmicrosoft.com" is not a tenant ID.' });
    await expect(
      subject.companion.runbook.run(
        'publish',
        { externalUrl: 'http://ndes-contoso.msappproxy.net/', passthrough: 'yes' },
        undefined,
        () => undefined,
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/^The external URL was refused: /),
    });
    await expect(
      subject.companion.runbook.run(
        'publish',
        { externalUrl: 'https://ndes-contoso.msappproxy.net/' },
        undefined,
        () => undefined,
      ),
    ).rejects.toMatchObject({ message: 'Passthrough was not confirmed.' });
    const signIn = await subject.companion.runbook.run(
      'sign-in',
      { tenantId: TENANT.toUpperCase() },
      undefined,
      () => undefined,
    );
    expect(signIn).toMatchObject({
      status: 'confirmed',
      summary: `Recorded as confirmed by the admin (not verified by the companion): Tenant ID ${TENANT}, as read in the portal.`,
    });
    const verified = await subject.companion.runbook.verify('sign-in', undefined, undefined, () => undefined);
    expect(verified.status).toBe('confirmed');
    expect(verified.summary).toMatch(
      /^Confirmed by the admin at .+ \(offline runbook mode: not verified by the companion\)\./,
    );
    // The external URL the admin recorded is what Verify and Intune start from, as Publish's read-back would be.
    await subject.companion.runbook.run(
      'publish',
      { externalUrl: 'https://ndes-contoso.msappproxy.net/', passthrough: 'yes' },
      undefined,
      () => undefined,
    );
    const verify = subject.companion.runbook.list().find((step) => step.id === 'verify');
    expect(verify?.inputs.find((input) => input.id === 'externalUrl')?.default?.value).toBe(
      'https://ndes-contoso.msappproxy.net/',
    );
    const journal = readFileSync(join(subject.dataDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"kind":"admin-confirmation"');
    expect(journal).toContain('Confirmed by the admin (offline runbook mode, not verified): Tenant ID');
  });

  it('is chosen before the first cloud call: afterwards switching to it is refused, with what to do', () => {
    subject = testCompanion();
    subject.companion.runbook.setMode('offline');
    subject.companion.runbook.setMode('guided');
    subject.companion.runbook.noteCloudCall();
    expect(() => subject.companion.runbook.setMode('offline')).toThrow(
      /already called Microsoft .*offline runbook mode is chosen before the first cloud call/,
    );
    expect(subject.companion.runbook.mode).toBe('guided');
  });

  it('makes no cloud call: sign-in and Graph refuse before anything is sent', () => {
    subject = testCompanion();
    subject.companion.runbook.setMode('offline');
    expect(() => subject.companion.signIn()).toThrow(
      'Offline runbook mode: the companion makes no call to Microsoft Entra ID or Graph.',
    );
    expect(() => subject.companion.graph()).toThrow('Offline runbook mode');
  });
});

describe('where the runbook may be written', () => {
  it('refuses shares, device paths, the Windows folder and inetpub, however they are spelled', () => {
    for (const folder of [
      '\\\\fileserver\\share',
      '\\\\?\\C:\\Temp',
      '//fileserver/share',
      'C:\\Windows\\System32',
      'c:/windows/temp',
      'C:\\Temp\\..\\Windows',
      'C:\\Windows.\\System32',
      'D:\\inetpub\\wwwroot',
      'reports',
      'C:\\Temp\\x\u0007y',
    ]) {
      expect(() => checkReportFolder(folder), folder).toThrow();
    }
    expect(checkReportFolder('D:\\Change records\\NDES')).toBe('D:\\Change records\\NDES');
    expect(checkReportFolder('C:/Change/NDES/../Runbooks')).toBe('C:\\Change\\Runbooks');
  });
});

describe('the runbook report', () => {
  it("has every section, the portal steps written with this runbook's values, and the back-out plan", async () => {
    subject = await offlineRunbook();
    const report = subject.companion.report();
    const markdown = (await exportReport(report, 'markdown')).text ?? '';
    for (const heading of ['## Environment', '## Steps', '## Open warnings', '## What to do next', '## Back-out plan'])
      expect(markdown).toContain(heading);
    for (const step of subject.companion.runbook.list())
      expect(markdown).toContain(`### ${step.number}. ${step.title}: `);
    expect(markdown).toContain('### 2. Sign-in: ☑ CONFIRMED BY THE ADMIN');
    expect(markdown).toContain('Internal Url: https://ndes01.contoso.local/certsrv/mscep/ (only SCEP is published');
    expect(markdown).toContain('- External URL shown in the portal: ____');
    expect(markdown).toContain('**Confirmed by the admin (not verified).**');
    // The back-out plan is whole before the change too; each item says whether its step was done.
    expect(markdown).toContain('1. **Roll back the Intune SCEP profiles (only if step 9 was carried out).**');
    expect(markdown).toContain('2. **Unpublish NDES (step 7 was carried out).**');
    expect(markdown).toContain('4. **Uninstall the connector (only if step 3 was carried out).**');
    expect(report.environment).toMatchObject({
      internalUrl: 'https://ndes01.contoso.local/',
      externalUrl: 'https://ndes-contoso.msappproxy.net/certsrv/mscep/',
      tenantId: TENANT,
    });
  });

  it('the JSON follows the documented schema, which is the one the code checks it with', async () => {
    subject = await offlineRunbook();
    const documented = JSON.parse(readFileSync(join(repoRoot, 'docs', 'runbook-report.schema.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // Regenerate with npm run schema when the report changes.
    expect(documented).toEqual(JSON.parse(JSON.stringify(reportJsonSchema())));
    const validate = new Ajv2020({ strict: false }).compile(documented);
    const json = JSON.parse((await exportReport(subject.companion.report(), 'json')).text ?? '') as unknown;
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...(json as object), mode: 'unknown' })).toBe(false);
  });

  it('the HTML is one self-contained file: nothing to load, status in words, printable', async () => {
    subject = await offlineRunbook();
    const html = (await exportReport(subject.companion.report(), 'html')).text ?? '';
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).toContain('☑ CONFIRMED BY THE ADMIN');
    expect(html).toContain('@media print');
  });

  it('a planted token, password, proxy credential and secret query string appear in no export', async () => {
    subject = await offlineRunbook();
    // A line some other writer left in the journal, unredacted: the report's own pass removes it.
    const planted = {
      token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ',
      password: 'Pl4ntedPassw0rd',
      proxy: 'http://svc-proxy:Pr0xyS3cret@proxy.contoso.local:8080',
      code: 'https://login.microsoftonline.com/common/oauth2/nativeclient?code=PLANTEDCODE123&state=x',
    };
    appendFileSync(
      join(subject.dataDir, 'journal.jsonl'),
      `${JSON.stringify({ at: new Date().toISOString(), kind: 'run-result', stepId: 'publish', message: `Bearer ${planted.token} password=${planted.password} via ${planted.proxy} back to ${planted.code}`, data: { details: [`token=${planted.token}`] } })}\n`,
    );
    const report = subject.companion.report({
      overrides: { internalUrl: 'https://ndes01.contoso.local/?sig=PLANTEDSIG999' },
    });
    for (const format of ['markdown', 'html', 'json', 'summary'] as const) {
      const text = (await exportReport(report, format)).text ?? '';
      if (format !== 'summary') expect(text).toContain('[redacted]');
      for (const secret of [planted.token, planted.password, 'Pr0xyS3cret', 'PLANTEDCODE123', 'PLANTEDSIG999'])
        expect(text, `${format} holds ${secret}`).not.toContain(secret);
    }
  });
});
