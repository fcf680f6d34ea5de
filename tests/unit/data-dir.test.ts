import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../electron/compose.ts';
import { prepareDataDir } from '../../electron/platform/data-dir.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the data folder', () => {
  it('on Windows lives under ProgramData on the Windows drive the OS names, not %ProgramData%', () => {
    expect(defaultDataDir('win32', () => 'D:\\Windows')).toBe('D:\\ProgramData\\NDES Proxy Companion');
  });

  it('on Windows is restricted to Administrators and SYSTEM, by SID, with inheritance removed', () => {
    const calls: { file: string; args: string[] }[] = [];
    const target = join(dir, 'win');
    prepareDataDir(target, 'win32', (file, args) => calls.push({ file, args }));
    expect(existsSync(target)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.file).toMatch(/\\System32\\icacls\.exe$/);
    expect(calls[0]?.args).toEqual([target, '/inheritance:r', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F', '/Q']);
    // No grant to Users (S-1-5-32-545), Authenticated Users (S-1-5-11) or Everyone (S-1-1-0).
    expect(calls[0]?.args.join(' ')).not.toMatch(/S-1-5-32-545|S-1-5-11|S-1-1-0/);
  });

  it('refuses to go on when the ACL cannot be set', () => {
    expect(() => prepareDataDir(join(dir, 'denied'), 'win32', () => { throw new Error('Access is denied.'); })).toThrow(/Could not restrict .* to Administrators and SYSTEM/);
  });

  it('elsewhere (development, the lab) is just created', () => {
    let called = false;
    prepareDataDir(join(dir, 'linux'), 'linux', () => (called = true));
    expect(called).toBe(false);
  });
});
