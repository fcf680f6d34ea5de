import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PowerShellHost } from '../../electron/core/ports.ts';

/**
 * How tests and the lab start our scripts over the fake Windows: FakeWindowsHost (PowerShell's
 * own engine and console host) with the fake module loaded, then the production argv untouched.
 * tools/ensure-powershell.sh builds it (`npm test` and `npm run lab` run that first).
 */
export function fakeWindowsHostFile(root: string): string {
  const file = join(
    root,
    '.cache',
    'fake-windows-host',
    process.platform === 'win32' ? 'FakeWindowsHost.exe' : 'FakeWindowsHost',
  );
  if (!existsSync(file))
    throw new Error(`The fake Windows host is not built (${file}); run: bash tools/ensure-powershell.sh`);
  return file;
}

export interface FakeWindowsOptions {
  /** The world file (JSON) the fake Windows answers from. */
  state: string;
  /** Where the host appends one line per PowerShell start. */
  record?: string;
  languageMode?: 'FullLanguage' | 'ConstrainedLanguage';
}

export function fakeWindowsHost(root: string, options: FakeWindowsOptions): PowerShellHost {
  const prefixArgs = ['--module', join(root, 'tests', 'fake-windows', 'FakeWindows.psm1'), '--state', options.state];
  if (options.record) prefixArgs.push('--record', options.record);
  if (options.languageMode === 'ConstrainedLanguage') prefixArgs.push('--language-mode', 'ConstrainedLanguage');
  prefixArgs.push('--');
  return { file: fakeWindowsHostFile(root), prefixArgs, label: "PowerShell over the lab's fake Windows" };
}
