import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../electron/core/report/support-bundle.ts';
import type { SupportExcerpts } from '../../electron/core/report/support-excerpts.ts';
import { useLab } from '../helpers/cloud-lab.ts';
import { testCompanion } from '../helpers/companion.ts';
import { runLabCli } from '../helpers/lab-cli.ts';
import { pdfText } from '../helpers/pdf-text.ts';

/**
 * The support bundle against the lab: our scripts over the fake Windows (world
 * support-evidence: IIS W3C lines from http-errors-ndes-iis.md HTTP-10, an installer log that
 * logged a proxy credential and a password, connector events), read back with Debian's unzip and
 * poppler's pdftotext, which we did not write.
 */
const { lab, dir } = useLab('ndes-support-');

const PLANTED = {
  token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ',
  password: 'Pl4ntedPassw0rd',
  proxySecret: 'Pr0xyS3cret',
  installerProxySecret: 'Pr0xyS3cretInLog',
  installerPassword: 'Pl4ntedInstallerPw',
  scepMessage: 'MIIPLANTEDSCEPMESSAGE',
  msiProperty: 'Pl4ntedMsiProperty',
  cookie: 'PlantedCookieValue123',
};

/** Debian's unzip on the bundle: its options, then the zip, then any entry names. */
function unzip(options: string[], zip: string, ...names: string[]): Buffer {
  const result = spawnSync('unzip', [...options, zip, ...names], { maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`unzip ${options.join(' ')} ${names.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

const entry = (zip: string, name: string): Buffer => unzip(['-p'], zip, name);

describe('the support bundle, against the lab', () => {
  it('holds the journal, the runbook, every script output and the server excerpts, hashed, and no secret', async () => {
    await lab().useScenario('support-evidence');
    const entraBefore = lab().entra?.requests() ?? 0;
    const graphBefore = lab().graph?.calls.length ?? 0;
    const test = testCompanion({ lab: lab().config(), printPdf: true });
    try {
      const quiet = () => undefined;
      await test.companion.handlers['host:identity']({}, { emit: quiet });
      await test.companion.runbook.run('readiness', { internalUrl: 'http://ndes01.contoso.local/' }, undefined, quiet);
      // A secret a writer let through into the journal, and a script record kept before redaction existed.
      appendFileSync(
        join(test.dataDir, 'journal.jsonl'),
        `${JSON.stringify({ at: new Date().toISOString(), kind: 'run-result', message: `Bearer ${PLANTED.token} password=${PLANTED.password} via http://svc:${PLANTED.proxySecret}@proxy.contoso.local:8080` })}\n`,
      );
      mkdirSync(join(test.dataDir, 'script-outputs'), { recursive: true });
      writeFileSync(
        join(test.dataDir, 'script-outputs', '2026-11-01T00-00-00-000Z-1-0001-Set-ConnectorProxy.json'),
        JSON.stringify({
          script: 'Set-ConnectorProxy',
          params: { ProxyAddress: `http://svc:${PLANTED.proxySecret}@proxy.contoso.local:8080` },
          data: { proxyPassword: PLANTED.password },
        }),
      );

      const bundle = await test.companion.supportBundle();
      const zip = join(dir, bundle.fileName);
      writeFileSync(zip, bundle.zip);
      expect(bundle.fileName).toMatch(/^ndes-companion-support-ndes01\.contoso\.local-.+\.zip$/);
      expect(unzip(['-tq'], zip).toString()).toContain('No errors detected');
      const names = unzip(['-Z1'], zip).toString().trim().split('\n');
      expect(names).toEqual(
        expect.arrayContaining([
          'manifest.json',
          'journal/journal.jsonl',
          'runbook/runbook.md',
          'runbook/runbook.html',
          'runbook/runbook.json',
          'runbook/runbook.pdf',
          'runbook/summary.txt',
          'excerpts/support-excerpts.json',
        ]),
      );
      expect(names.filter((name) => /^script-outputs\/.*Get-HostIdentity\.json$/.test(name))).toHaveLength(1);
      expect(names.filter((name) => /^script-outputs\/.*Get-HostReadiness\.json$/.test(name))).toHaveLength(1);

      // The manifest lists every other file with its real size and SHA-256.
      const manifest = JSON.parse(entry(zip, 'manifest.json').toString()) as BundleManifest;
      expect(manifest.files.map((file) => file.path).sort()).toEqual(
        names.filter((name) => name !== 'manifest.json').sort(),
      );
      for (const file of manifest.files) {
        const content = entry(zip, file.path);
        expect(content.length, file.path).toBe(file.bytes);
        expect(createHash('sha256').update(content).digest('hex'), file.path).toBe(file.sha256);
      }
      expect(manifest.server).toBe('ndes01.contoso.local');
      expect(manifest.notes).toEqual([]);

      // What support reads first: the mscep.dll lines with status and substatus, the events, the installer's last lines.
      const excerpts = JSON.parse(entry(zip, 'excerpts/support-excerpts.json').toString()) as SupportExcerpts;
      expect(
        excerpts.iisLogs.files[0]?.lines.map(
          (line) => `${line.operation ?? '-'} ${line.status}.${line.substatus}.${line.win32Status}`,
        ),
      ).toEqual([
        '- 401.2.5',
        'GetCACaps 200.0.0',
        'GetCACert 200.0.0',
        'PKIOperation 200.0.0',
        'PKIOperation 414.0.0',
      ]);
      expect(excerpts.eventLogs.map((log) => log.log)).toContain('Microsoft-Intune-CertificateConnectors/Admin');
      expect(excerpts.installerLogs.files[0]?.tail.at(-1)).toContain('Installation completed successfully.');

      // No planted secret in any file, the PDF read back by pdftotext included.
      const pdf = pdfText(entry(zip, 'runbook/runbook.pdf'));
      expect(pdf).toContain('Readiness');
      for (const name of names) {
        const content = name.endsWith('.pdf') ? pdf : entry(zip, name).toString('utf8');
        for (const [what, secret] of Object.entries(PLANTED))
          expect(content, `${name} holds the planted ${what}`).not.toContain(secret);
      }
      expect(entry(zip, 'journal/journal.jsonl').toString()).toContain('[redacted]');
      expect(entry(zip, 'excerpts/support-excerpts.json').toString()).toContain('[redacted]');

      // Made without a single call to Microsoft.
      expect(lab().entra?.requests()).toBe(entraBefore);
      expect(lab().graph?.calls.length).toBe(graphBefore);
    } finally {
      test.dispose();
    }
  });

  it('ndes-companion support-bundle writes the zip where asked and says what it could not gather', async () => {
    await lab().useScenario('healthy');
    const out = join(dir, 'cli-out');
    const result = await runLabCli(lab().cliArgs, ['support-bundle', '--out', out, '--json'], join(dir, 'cli-data'));
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { ok: true; value: { path: string; files: string[]; notes: string[] } };
    expect(readdirSync(out)).toEqual([answer.value.path.slice(out.length + 1)]);
    expect(answer.value.files).toContain('excerpts/support-excerpts.json');
    expect(answer.value.notes.join(' ')).toContain('No IIS log folder at C:\\inetpub\\logs\\LogFiles.');
    expect(result.stderr).toContain('warning: No IIS log folder');
    expect(unzip(['-Z1'], answer.value.path).toString()).toContain('manifest.json');
  });
});
