import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { systemRoot } from './windows-paths.ts';

/** Well-known SIDs, the same in every language: BUILTIN\Administrators and NT AUTHORITY\SYSTEM. */
export const ADMINISTRATORS_SID = 'S-1-5-32-544';
export const SYSTEM_SID = 'S-1-5-18';

/**
 * The icacls runs that make the data folder the app's own, in order. A standard user can create
 * folders under ProgramData, so one may exist before the app does: ownership goes to
 * Administrators first (else its creator could change the ACL back), everything inside is reset
 * to inherit, then the folder keeps only Administrators and SYSTEM, inherited by all it holds.
 * /L acts on a link itself, never on what it points to.
 */
export function dataDirAclRuns(dir: string): string[][] {
  return [
    [dir, '/setowner', `*${ADMINISTRATORS_SID}`, '/T', '/C', '/L', '/Q'],
    [dir, '/reset', '/T', '/C', '/L', '/Q'],
    [dir, '/inheritance:r', '/grant:r', `*${ADMINISTRATORS_SID}:(OI)(CI)F`, `*${SYSTEM_SID}:(OI)(CI)F`, '/L', '/Q'],
  ];
}

export interface PrepareOptions {
  platform?: NodeJS.Platform;
  /** False for a folder the admin named (--data-dir) that already exists: it is used as it is. */
  restrict?: boolean;
  run?: (file: string, args: string[]) => void;
}

/**
 * Creates the data folder and, on Windows, makes it writable by Administrators and SYSTEM only.
 * A link (symbolic link or junction) in its place is refused: the elevated app would otherwise
 * re-ACL and write wherever it points.
 */
export function prepareDataDir(dir: string, options: PrepareOptions = {}): void {
  const platform = options.platform ?? process.platform;
  const run = options.run ?? ((file: string, args: string[]) => void execFileSync(file, args, { stdio: 'ignore', windowsHide: true }));
  if (existsSync(dir) && lstatSync(dir).isSymbolicLink()) {
    throw new Error(`${dir} is a link (symbolic link or junction), not a folder: the companion will not keep its data where it points. Remove it and start the companion again.`);
  }
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  if (platform !== 'win32' || (options.restrict === false && !created)) return;
  try {
    for (const args of dataDirAclRuns(dir)) run(`${systemRoot()}\\System32\\icacls.exe`, args);
  } catch (error) {
    throw new Error(`Could not make ${dir} writable by Administrators and SYSTEM only (icacls failed: ${(error as Error).message}). Run the companion elevated, or remove that folder and start it again.`, { cause: error });
  }
}
