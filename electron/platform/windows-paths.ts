import { realpathSync } from 'node:fs';

/**
 * The Windows folder as the kernel names it (the object manager's \SystemRoot link), never
 * %SystemRoot% or %windir%: the app runs elevated, and a standard user can set those for it
 * through HKCU\Environment, a known way to make an elevated program start the wrong binary.
 */
export function systemRoot(resolve: (path: string) => string = realpathSync.native): string {
  try {
    const real = resolve('\\\\?\\GLOBALROOT\\SystemRoot').replace(/^\\\\\?\\/, '');
    if (/^[A-Za-z]:\\[^\\]/.test(real)) return real;
  } catch {
    // Fall through: the standard location is the only other answer that does not come from the environment.
  }
  return 'C:\\Windows';
}

/** Variables PowerShell needs and nothing a user could use to steer it (no PSModulePath, no profiler hooks). */
const WINDOWS_KEEP = [
  'TEMP',
  'TMP',
  'USERPROFILE',
  'USERNAME',
  'USERDOMAIN',
  'COMPUTERNAME',
  'ALLUSERSPROFILE',
  'ProgramData',
  'ProgramFiles',
  'ProgramFiles(x86)',
  'ProgramW6432',
  'CommonProgramFiles',
  'CommonProgramFiles(x86)',
  'CommonProgramW6432',
  'APPDATA',
  'LOCALAPPDATA',
  'PUBLIC',
  'NUMBER_OF_PROCESSORS',
  'PROCESSOR_ARCHITECTURE',
  'PROCESSOR_IDENTIFIER',
  'OS',
  'PATHEXT',
  'SystemDrive',
];
/** Elsewhere (the lab, development): what a .NET program needs to start. */
const POSIX_KEEP = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'DOTNET_ROOT', 'DOTNET_CLI_HOME'];

/**
 * The environment a PowerShell child gets: an allowlist of the caller's, and on Windows the
 * system paths from the OS. PSModulePath is set to the in-box modules only: left to itself,
 * Windows PowerShell 5.1 would also load modules from the user's Documents folder or from a
 * PSModulePath a standard user set in HKCU\Environment, into this elevated process.
 */
export function childEnvironment(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  root: () => string = systemRoot,
): Record<string, string> {
  const keep = platform === 'win32' ? WINDOWS_KEEP : POSIX_KEEP;
  const out: Record<string, string> = {};
  const lower = new Map(Object.keys(env).map((key) => [key.toLowerCase(), key]));
  for (const name of keep) {
    const key = platform === 'win32' ? lower.get(name.toLowerCase()) : name;
    const value = key === undefined ? undefined : env[key];
    if (value !== undefined) out[name] = value;
  }
  if (platform === 'win32') {
    const windows = root();
    out.SystemRoot = windows;
    out.windir = windows;
    out.ComSpec = `${windows}\\System32\\cmd.exe`;
    out.PATH = [
      `${windows}\\System32`,
      windows,
      `${windows}\\System32\\Wbem`,
      `${windows}\\System32\\WindowsPowerShell\\v1.0\\`,
    ].join(';');
    out.PSModulePath = `${windows}\\System32\\WindowsPowerShell\\v1.0\\Modules`;
  }
  return out;
}
