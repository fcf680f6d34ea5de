import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { systemRoot } from './windows-paths.ts';

/** Well-known SIDs, the same in every language: BUILTIN\Administrators and NT AUTHORITY\SYSTEM. */
export const ADMINISTRATORS_SID = 'S-1-5-32-544';
export const SYSTEM_SID = 'S-1-5-18';

/**
 * The ACL the data folder gets on Windows: inheritance from ProgramData removed (its default
 * lets every user create files), full control for Administrators and SYSTEM only, inherited by
 * everything inside. The elevated app keeps its state and journal there; standard users cannot
 * plant or change a file it will read.
 */
export function dataDirAclArgs(dir: string): string[] {
  return [dir, '/inheritance:r', '/grant:r', `*${ADMINISTRATORS_SID}:(OI)(CI)F`, `*${SYSTEM_SID}:(OI)(CI)F`, '/Q'];
}

export function prepareDataDir(dir: string, platform: NodeJS.Platform = process.platform, run: (file: string, args: string[]) => void = (file, args) => void execFileSync(file, args, { stdio: 'ignore', windowsHide: true })): void {
  mkdirSync(dir, { recursive: true });
  if (platform !== 'win32') return;
  try {
    run(`${systemRoot()}\\System32\\icacls.exe`, dataDirAclArgs(dir));
  } catch (error) {
    throw new Error(`Could not restrict ${dir} to Administrators and SYSTEM (icacls failed: ${(error as Error).message}). Run the companion elevated.`, { cause: error });
  }
}
