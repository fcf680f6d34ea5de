import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { windowsPowerShell } from '../../electron/platform/powershell-runner.ts';
import { childEnvironment, systemRoot } from '../../electron/platform/windows-paths.ts';

describe('system paths come from the OS, never from the environment', () => {
  it("reads the Windows folder from the kernel's \\SystemRoot link", () => {
    const asked: string[] = [];
    const root = systemRoot((path) => {
      asked.push(path);
      return '\\\\?\\D:\\WinNT';
    });
    expect(asked).toEqual(['\\\\?\\GLOBALROOT\\SystemRoot']);
    expect(root).toBe('D:\\WinNT');
    expect(windowsPowerShell(root).file).toBe('D:\\WinNT\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });

  // Only Windows has the link; there the real answer must agree with the OS's own.
  it.runIf(process.platform === 'win32')('on this Windows machine, it names the folder that holds System32', () => {
    expect(existsSync(`${systemRoot()}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`)).toBe(true);
    expect(systemRoot()).not.toBe('');
  });

  it('falls back to the standard folder, not to %SystemRoot%, when the link cannot be read', () => {
    expect(
      systemRoot(() => {
        throw new Error('ENOENT');
      }),
    ).toBe('C:\\Windows');
    expect(systemRoot(() => '\\\\?\\UNC\\evil\\share')).toBe('C:\\Windows');
  });
});

describe('the environment a PowerShell child gets', () => {
  const planted = {
    SystemRoot: 'C:\\Users\\mallory\\fake',
    windir: 'C:\\Users\\mallory\\fake',
    Path: 'C:\\Users\\mallory\\bin;C:\\Windows\\System32',
    PSModulePath: 'C:\\Program Files\\PowerShell\\7\\Modules',
    COR_ENABLE_PROFILING: '1',
    COR_PROFILER: '{00000000-0000-0000-0000-000000000000}',
    NDES_COMPANION_LAB: 'C:\\Users\\mallory\\lab.json',
    temp: 'C:\\Users\\admin\\AppData\\Local\\Temp',
    USERPROFILE: 'C:\\Users\\admin',
  };

  it('on Windows: system paths from the OS, the allowlist only, no module path or profiler hooks', () => {
    const env = childEnvironment(planted, 'win32', () => 'C:\\Windows');
    expect(env.SystemRoot).toBe('C:\\Windows');
    expect(env.windir).toBe('C:\\Windows');
    expect(env.PATH).toBe(
      'C:\\Windows\\System32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\',
    );
    expect(env.ComSpec).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(env.TEMP).toBe('C:\\Users\\admin\\AppData\\Local\\Temp');
    // Only the in-box modules: not the user's Documents, not a PowerShell 7 console's folders.
    expect(env.PSModulePath).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\Modules');
    for (const name of ['COR_ENABLE_PROFILING', 'COR_PROFILER', 'NDES_COMPANION_LAB', 'Path'])
      expect(env).not.toHaveProperty(name);
  });

  it('elsewhere (the lab): only what a .NET program needs to start', () => {
    const env = childEnvironment(
      { PATH: '/usr/bin', HOME: '/root', NDES_COMPANION_LAB: '/tmp/lab.json', LD_PRELOAD: '/tmp/x.so' },
      'linux',
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root' });
  });
});
