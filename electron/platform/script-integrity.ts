import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompanionError } from '../core/errors.ts';

/**
 * SHA-256 of every shipped script, recorded by tools/build.mjs when it bundles the app (an
 * esbuild define). Before each run the runner checks the scripts against it, so a script
 * changed after the build never runs elevated. Unbundled code (the tests) has no record.
 */
declare const __SCRIPT_HASHES__: Record<string, string> | undefined;
export const BUILD_SCRIPT_HASHES: Readonly<Record<string, string>> | null =
  typeof __SCRIPT_HASHES__ === 'undefined' ? null : __SCRIPT_HASHES__;

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Throws unless `file` and every other recorded script in `dir` are as they were built. */
export function verifyScripts(dir: string, file: string, expected: Readonly<Record<string, string>>): void {
  if (!Object.hasOwn(expected, file)) throw changed(`${file} is not one of the scripts this build shipped`);
  for (const [name, hash] of Object.entries(expected)) {
    let actual: string;
    try {
      actual = sha256File(join(dir, name));
    } catch {
      throw changed(`${name} is missing from ${dir}`);
    }
    if (actual !== hash)
      throw changed(
        `${name} in ${dir} is not the file this build shipped (SHA-256 ${actual.slice(0, 16)}…, expected ${hash.slice(0, 16)}…)`,
      );
  }
}

function changed(detail: string): CompanionError {
  return new CompanionError(
    'SCRIPT_CHANGED',
    `The companion will not run its PowerShell scripts elevated: ${detail}.`,
    'Reinstall the companion from its signed installer; if the files change again, find out what writes to its install folder.',
  );
}
