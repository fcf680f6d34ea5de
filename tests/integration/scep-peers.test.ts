import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCaCert } from '../../electron/core/checks/scep/cacert.ts';
import { startFakeNdes, type FakeNdes } from '../lab/ndes/server.ts';

/**
 * The fake NDES must satisfy SCEP clients we did not write: strongSwan's `pki --scepca`
 * and certmonger's `scep-submit` (both from Debian; .ci/run installs them).
 */
const SCEP_SUBMIT = '/usr/lib/certmonger/scep-submit';
let ndes: FakeNdes;
const dir = mkdtempSync(join(tmpdir(), 'ndes-peers-'));

beforeAll(async () => {
  ndes = await startFakeNdes();
});
afterAll(async () => {
  await ndes?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const mscep = () => `${ndes.url}certsrv/mscep/mscep.dll`;

// These clients come from Debian (.ci/run installs them); the Windows workflow has no Debian,
// so there the block does not run. On Linux the first test fails if they are missing.
describe.runIf(process.platform === 'linux')('independent SCEP clients accept the fake NDES', () => {
  it('the clients are installed (apt-get install strongswan-pki libstrongswan-extra-plugins certmonger)', () => {
    expect(existsSync(SCEP_SUBMIT)).toBe(true);
    expect(existsSync('/usr/bin/pki')).toBe(true);
  });

  it("certmonger's scep-submit -c reads GetCACaps", async () => {
    const { code, stdout } = await run(SCEP_SUBMIT, ['-u', mscep(), '-c']);
    expect(code).toBe(0);
    expect(stdout.split(/\r?\n/).filter(Boolean)).toEqual([
      'POSTPKIOperation',
      'Renewal',
      'SHA-512',
      'SHA-256',
      'SHA-1',
      'DES3',
    ]);
  });

  it("certmonger's scep-submit -C reads GetCACert: RA certificates and the CA", async () => {
    const { code, stdout } = await run(SCEP_SUBMIT, ['-u', mscep(), '-C']);
    expect(code).toBe(0);
    const pems = stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems.length).toBeGreaterThanOrEqual(2);
    const ca = ndes.pki.ca.toString('pem').replace(/\s+/g, '');
    expect(pems.some((pem) => pem.replace(/\s+/g, '') === ca)).toBe(true);
  });

  it("strongSwan's pki --scepca finds the CA and both RA certificates, and trusts the RA chain", async () => {
    const { code, stdout, stderr } = await run('pki', [
      '--scepca',
      '--url',
      mscep(),
      '--caout',
      join(dir, 'ca.der'),
      '--raout',
      join(dir, 'ra.der'),
    ]);
    const output = stdout + stderr;
    expect(code).toBe(0);
    expect(output).toContain('Root CA cert "CN=Contoso Lab Issuing CA, DC=contoso, DC=local"');
    expect(output.match(/RA cert "C=US, CN=NDES01-MSCEP-RA"/g)).toHaveLength(2);
    expect(output).toContain('RA cert is trusted');
    // What strongSwan wrote is what our own parser reads from the same server.
    const caDer = readFileSync(join(dir, 'ca.der'));
    const ours = await parseCaCert(ndes.pki.bundle, 'application/x-x509-ca-ra-cert', new Date());
    const fromPki = await parseCaCert(caDer, null, new Date());
    expect(fromPki.certificates[0]?.sha256).toBe(ours.certificates.find((cert) => cert.role === 'ca')?.sha256);
  });

  it('a wrong path is refused by both clients (the check can fail)', async () => {
    const { code } = await run(SCEP_SUBMIT, ['-u', `${ndes.url}certsrv/mscep/nope.dll`, '-c']);
    expect(code).not.toBe(0);
  });
});
