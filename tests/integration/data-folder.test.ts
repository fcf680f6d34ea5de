import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataDir } from '../../electron/platform/data-dir.ts';
import { fakeWindowsHost } from '../fake-windows/launcher.ts';
import { repoRoot } from '../helpers/companion.ts';
import { worldFile, type World } from '../helpers/world-file.ts';

/**
 * The data folder on Windows, through Protect-DataFolder.ps1 in real PowerShell over the fake
 * Windows: whose folder it is, read from its security descriptor (SDDL, the same in every
 * language), and never taken over with what someone else put in it (issue 18, finding 2).
 */
const dir = mkdtempSync(join(tmpdir(), 'ndes-data-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DATA = 'C:\\ProgramData\\NDES Proxy Companion';
const MARKER = `${DATA}\\.ndes-proxy-companion`;
const OWN = 'O:BAG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)';
const REGISTRY = 'HKLM\\SOFTWARE\\NDES Proxy Companion\\Folders';
// A folder a standard user (contoso\\jdoe) made under ProgramData: theirs, and they keep full control.
const USER = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const PLANTED_BY_USER = `O:${USER}G:${USER}D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;OICI;FA;;;${USER})`;
const PLANTED_INDEX =
  '{"backups":[{"id":"proxy-20260101T000000000Z","files":[{"role":"service","sha256":null}],"winHttpHex":null,"after":null}]}';
const scripts = { dir: join(repoRoot, 'scripts', 'powershell') };

function prepare(patch: (world: World) => void = () => undefined) {
  const world = worldFile(dir, 'healthy', (_files, windows) => patch(windows));
  const host = fakeWindowsHost(repoRoot, { state: world.state, record: world.record });
  return { world, run: () => prepareDataDir(DATA, { platform: 'win32', scripts, host }) };
}

const aside = (world: World) => Object.keys(world.files).filter((path) => path.startsWith(`${DATA}.untrusted-`));

describe('the data folder on Windows', () => {
  it('is made by the companion (owner Administrators, Administrators and SYSTEM only, marked as its own), then used as it is', () => {
    const { world, run } = prepare();
    expect(run().notices).toEqual([]);
    const made = world.read();
    expect((made.acls as Record<string, string>)[DATA]).toBe(OWN);
    // The marker holds a random token; HKLM, which only administrators can write, holds its SHA-256.
    const marker = String(made.files[MARKER]?.text);
    expect(marker).toMatch(
      /^Made by NDES Proxy Companion: .* [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\r\n$/,
    );
    const recorded = (made.registry as Record<string, Record<string, unknown>>)[REGISTRY]?.[DATA];
    expect(recorded).toBe(createHash('sha256').update(marker).digest('hex').toUpperCase());
    // The next start: nothing moved aside, no access list set again.
    expect(run().notices).toEqual([]);
    expect(world.read()).toEqual(made);
  });

  it('made first by a standard user, with a backup index in it: moved aside whole, and a new one made', () => {
    const { world, run } = prepare((windows) => {
      windows.files[`${DATA}\\Backups\\proxy-backups.json`] = { text: PLANTED_INDEX };
      windows.acls = { ...(windows.acls as object), [DATA]: PLANTED_BY_USER };
    });
    const { notices } = run();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /was not the companion's own .* moved aside, untouched, as C:\\ProgramData\\NDES Proxy Companion\.untrusted-\d{8}T\d{9}Z/,
    );
    const after = world.read();
    // What was planted is still there to look at, under the other name, and nothing of it is used.
    expect(aside(after).some((path) => path.endsWith('\\Backups\\proxy-backups.json'))).toBe(true);
    expect(after.files[`${DATA}\\Backups\\proxy-backups.json`]).toBeUndefined();
    expect((after.acls as Record<string, string>)[DATA]).toBe(OWN);
  });

  it('taken over by an earlier version (Administrators own it by then, but the companion never marked it): moved aside too', () => {
    // What icacls /setowner /T and /reset /T left of a planted folder: every owner is
    // Administrators and only they and SYSTEM can write, so only the marker tells it apart.
    const { world, run } = prepare((windows) => {
      windows.files[`${DATA}\\Backups\\proxy-backups.json`] = { text: PLANTED_INDEX };
      windows.acls = { ...(windows.acls as object), [DATA]: OWN, [`${DATA}\\Backups`]: OWN };
    });
    expect(run().notices[0]).toContain('moved aside');
    const after = world.read();
    expect(after.files[`${DATA}\\Backups\\proxy-backups.json`]).toBeUndefined();
    expect(after.files[MARKER]).toBeDefined();
  });

  it('a marker planted before an earlier version took the folder over is not enough: HKLM has no record of it', () => {
    const { world, run } = prepare((windows) => {
      windows.files[MARKER] = {
        text: 'Made by NDES Proxy Companion: only Administrators and SYSTEM can write here. 00000000-0000-0000-0000-000000000000\r\n',
      };
      windows.files[`${DATA}\\Backups\\proxy-backups.json`] = { text: PLANTED_INDEX };
      windows.acls = { ...(windows.acls as object), [DATA]: OWN };
    });
    expect(run().notices[0]).toContain('moved aside');
    expect(world.read().files[`${DATA}\\Backups\\proxy-backups.json`]).toBeUndefined();
  });

  it('a folder whose access list shuts Administrators out is moved aside, not a reason the companion cannot start', () => {
    const { world, run } = prepare((windows) => {
      windows.files[`${DATA}\\Backups\\proxy-backups.json`] = { text: PLANTED_INDEX };
      // Only the planter owns it and has any right: Get-Acl fails for an administrator (no READ_CONTROL).
      windows.acls = { ...(windows.acls as object), [DATA]: `O:${USER}G:${USER}D:P(A;OICI;FA;;;${USER})` };
    });
    expect(run().notices[0]).toContain('moved aside');
    expect(world.read().files[MARKER]).toBeDefined();
  });

  it('a junction in its place is moved aside (renamed, never followed), and a real folder made', () => {
    const { world, run } = prepare((windows) => {
      windows.files[DATA] = { directory: true, reparsePoint: true };
    });
    expect(run().notices[0]).toContain('moved aside');
    expect(world.read().files[MARKER]).toBeDefined();
  });

  it('a junction whose target is gone (Test-Path says nothing is there) is found in its folder and moved aside, never created through', () => {
    const { world, run } = prepare((windows) => {
      windows.files[DATA] = { directory: true, reparsePoint: true, dangling: true };
    });
    expect(run().notices[0]).toContain('moved aside');
    const after = world.read();
    expect(after.files[MARKER]).toBeDefined();
    expect(aside(after)).toHaveLength(1);
  });

  it('a folder the ACL cannot be set on stops the start, saying what to do', () => {
    const { run } = prepare((windows) => {
      windows.icaclsFails = 5;
    });
    expect(run).toThrow(
      /Could not make C:\\ProgramData\\NDES Proxy Companion the companion's own folder.*icacls could not restrict.*exit code 5.*Run the companion elevated/s,
    );
  });

  it('a script changed after the build is never run elevated', () => {
    const { world, run } = prepare();
    expect(() =>
      prepareDataDir(DATA, {
        platform: 'win32',
        scripts: { ...scripts, expectedHashes: { 'Protect-DataFolder.ps1': '0'.repeat(64) } },
        host: fakeWindowsHost(repoRoot, { state: world.state }),
      }),
    ).toThrow(/will not run its PowerShell scripts elevated/);
    expect(world.read().files[MARKER]).toBeUndefined();
    void run;
  });
});
