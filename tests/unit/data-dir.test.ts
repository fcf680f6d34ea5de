import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
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

  it('on Windows becomes the app\'s own: owned by Administrators, reset inside, then Administrators and SYSTEM only', () => {
    const calls: { file: string; args: string[] }[] = [];
    const target = join(dir, 'win');
    prepareDataDir(target, { platform: 'win32', run: (file, args) => calls.push({ file, args }) });
    expect(existsSync(target)).toBe(true);
    expect(calls.every((call) => /\\System32\\icacls\.exe$/.test(call.file))).toBe(true);
    expect(calls.map((call) => call.args)).toEqual([
      [target, '/setowner', '*S-1-5-32-544', '/T', '/C', '/L', '/Q'],
      [target, '/reset', '/T', '/C', '/L', '/Q'],
      [target, '/inheritance:r', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F', '/L', '/Q'],
    ]);
    // No grant to Users (S-1-5-32-545), Authenticated Users (S-1-5-11) or Everyone (S-1-1-0).
    expect(calls.flatMap((call) => call.args).join(' ')).not.toMatch(/S-1-5-32-545|S-1-5-11|S-1-1-0/);
  });

  it('a folder a standard user planted first is taken over the same way, not trusted as found', () => {
    const planted = join(dir, 'planted');
    mkdirSync(planted);
    const calls: string[][] = [];
    prepareDataDir(planted, { platform: 'win32', run: (_file, args) => calls.push(args) });
    expect(calls[0]).toContain('/setowner');
  });

  it('refuses a link in the folder\'s place: the elevated app would write where it points', () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const link = join(dir, 'linked');
    symlinkSync(elsewhere, link, 'dir');
    let called = false;
    expect(() => prepareDataDir(link, { platform: 'win32', run: () => (called = true) })).toThrow(/is a link \(symbolic link or junction\)/);
    expect(called).toBe(false);
  });

  it('refuses to go on when the ACL cannot be set', () => {
    expect(() => prepareDataDir(join(dir, 'denied'), { platform: 'win32', run: () => { throw new Error('Access is denied.'); } })).toThrow(/Could not make .* writable by Administrators and SYSTEM only/);
  });

  it('an existing folder the admin named with --data-dir is used as it is, never re-ACLed', () => {
    const named = join(dir, 'named');
    mkdirSync(named);
    let called = false;
    prepareDataDir(named, { platform: 'win32', restrict: false, run: () => (called = true) });
    expect(called).toBe(false);
  });

  it('elsewhere (development, the lab) is just created', () => {
    let called = false;
    prepareDataDir(join(dir, 'linux'), { platform: 'linux', run: () => (called = true) });
    expect(called).toBe(false);
  });
});
