import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../electron/compose.ts';
import { prepareDataDir } from '../../electron/platform/data-dir.ts';

// Windows' side (whose folder it is, moving a planted one aside) runs Protect-DataFolder.ps1:
// tests/integration/data-folder.test.ts and tests/powershell.
const dir = mkdtempSync(join(tmpdir(), 'ndes-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the data folder', () => {
  it('on Windows lives under ProgramData on the Windows drive the OS names, not %ProgramData%', () => {
    expect(defaultDataDir('win32', () => 'D:\\Windows')).toBe('D:\\ProgramData\\NDES Proxy Companion');
  });

  it("refuses a link in the folder's place before any script runs: the elevated app would write where it points", () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const link = join(dir, 'linked');
    symlinkSync(elsewhere, link, 'dir');
    expect(() => prepareDataDir(link, { platform: 'win32', scripts: { dir: join(dir, 'no-scripts') } })).toThrow(
      /is a link \(symbolic link or junction\)/,
    );
  });

  it('refuses a link whose target is gone too (it does not "exist", but the elevated app would create what it points to)', () => {
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'gone'), dangling, 'dir');
    expect(() => prepareDataDir(dangling, { platform: 'win32', scripts: { dir: join(dir, 'no-scripts') } })).toThrow(
      /is a link \(symbolic link or junction\)/,
    );
  });

  it('an existing folder the admin named with --data-dir is used as it is, never re-ACLed', () => {
    const named = join(dir, 'named');
    mkdirSync(named);
    // No scripts folder and no PowerShell: any attempt to run one would throw.
    expect(
      prepareDataDir(named, {
        platform: 'win32',
        restrict: false,
        scripts: { dir: join(dir, 'no-scripts') },
        host: { file: join(dir, 'no-powershell'), prefixArgs: [], label: 'none' },
      }),
    ).toEqual({ notices: [] });
  });

  it('elsewhere (development, the lab) is just created', () => {
    expect(prepareDataDir(join(dir, 'linux'), { platform: 'linux' })).toEqual({ notices: [] });
    expect(existsSync(join(dir, 'linux'))).toBe(true);
  });
});
