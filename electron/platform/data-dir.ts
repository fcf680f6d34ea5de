import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import type { DataFolderReport } from '../core/powershell/catalogue.ts';
import type { PowerShellHost } from '../core/ports.ts';
import { runScriptSync, windowsPowerShell } from './powershell-runner.ts';

export interface PrepareOptions {
  platform?: NodeJS.Platform;
  /** False for a folder the admin named (--data-dir) that already exists: it is used as it is. */
  restrict?: boolean;
  /** Where Protect-DataFolder.ps1 is (Windows), and the hashes it was built with. */
  scripts?: { dir: string; expectedHashes?: Readonly<Record<string, string>> | null };
  /** The PowerShell that runs it: Windows PowerShell, or the fake Windows in tests. */
  host?: PowerShellHost;
}

/** What preparing the folder did that the admin should read (a folder moved aside), for the journal. */
export interface PreparedDataDir {
  notices: string[];
}

/**
 * Creates the data folder and, on Windows, makes sure it is the app's own before anything is
 * kept there (Protect-DataFolder.ps1): a standard user may create folders under ProgramData, so
 * one found there first is moved aside whole, never taken over with its contents. A link
 * (symbolic link or junction) in its place is refused: the elevated app would otherwise write
 * wherever it points.
 */
export function prepareDataDir(dir: string, options: PrepareOptions = {}): PreparedDataDir {
  const platform = options.platform ?? process.platform;
  // lstat, not existsSync: a link whose target is gone does not "exist", and must still be refused.
  if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new Error(
      `${dir} is a link (symbolic link or junction), not a folder: the companion will not keep its data where it points. Remove it and start the companion again.`,
    );
  }
  if (platform !== 'win32') {
    mkdirSync(dir, { recursive: true });
    return { notices: [] };
  }
  if (options.restrict === false && existsSync(dir)) return { notices: [] };
  if (!options.scripts) throw new Error("prepareDataDir on Windows needs the folder of the companion's scripts.");
  let report: DataFolderReport;
  try {
    report = runScriptSync({
      host: options.host ?? windowsPowerShell(),
      scriptsDir: options.scripts.dir,
      script: 'Protect-DataFolder',
      params: { Path: dir },
      expectedHashes: options.scripts.expectedHashes ?? null,
    }).data;
  } catch (error) {
    throw new Error(
      `Could not make ${dir} the companion's own folder, writable by Administrators and SYSTEM only: ${(error as Error).message} Run the companion elevated; if it repeats, move that folder aside by hand and start it again.`,
      { cause: error },
    );
  }
  return {
    notices: report.movedAside.map(
      (aside) =>
        `${dir} was not the companion's own (another account made it first, or it can change it, or an earlier version took it over): it was moved aside, untouched, as ${aside}, and a new folder was made. Nothing in it was used; look through it and delete it when you are done.`,
    ),
  };
}
