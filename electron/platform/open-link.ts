import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { win32 } from 'node:path';
import { systemRoot } from './windows-paths.ts';

/**
 * A help link from the elevated app, opened in the admin's own, non-elevated browser: handed to
 * the desktop's Explorer (explorer.exe <url> asks the running shell, which is not elevated, to open
 * it), never started from this process, whose children would inherit its administrator token.
 * Where there is no Explorer (Server Core), nothing is opened: the wizard shows the link to copy.
 */
export interface OpenLinkDeps {
  windowsFolder(): string;
  exists(path: string): boolean;
  run(file: string, args: string[]): Promise<void>;
}

const defaults: OpenLinkDeps = {
  windowsFolder: () => systemRoot(),
  exists: existsSync,
  run: (file, args) =>
    new Promise((resolve) => {
      // Explorer exits with 1 even when it opened the link: the handoff is what counts.
      execFile(file, args, { windowsHide: true, timeout: 15_000 }, () => resolve());
    }),
};

/** The command that hands the link over: Explorer from the kernel's Windows folder, the link as one argument. */
export function explorerCommand(url: string, windowsFolder: string): { file: string; args: string[] } {
  return { file: win32.join(windowsFolder, 'explorer.exe'), args: [url] };
}

export async function openLinkDeElevated(url: string, deps: OpenLinkDeps = defaults): Promise<boolean> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return false;
  const command = explorerCommand(parsed.toString(), deps.windowsFolder());
  if (!deps.exists(command.file)) return false;
  await deps.run(command.file, command.args);
  return true;
}
