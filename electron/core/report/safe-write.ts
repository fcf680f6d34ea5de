import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CompanionError } from '../errors.ts';
import { writeAll } from '../store/write-all.ts';

/**
 * Writing where an admin pointed the elevated app (a runbook folder, the support bundle's --out):
 * a folder standard users can write to may hold a planted link (a symlink, a junction, a hard
 * link) that would carry an administrator's write onto another file. So the folder must really be
 * where its path says (no link or junction on the way: its real path is its path), and each file
 * is written to a new temporary name, created exclusively (never through an existing entry), then
 * renamed over the name, which replaces a link itself, never what it points at.
 */
export function checkRealFolder(folder: string): string {
  // What exists of it is checked before anything is made: a link on the way must not get a folder made through it.
  let existing = resolve(folder);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  refuseLinked(existing);
  mkdirSync(folder, { recursive: true });
  refuseLinked(folder);
  return folder;
}

/**
 * Every part of the path, from its root, is itself and not a link: lstat says so for a symbolic
 * link and, on Windows, for a junction (libuv reports both as links). Comparing real paths instead
 * would also refuse an 8.3 short name (C:\\Users\\RUNNER~1), which is no link.
 */
function refuseLinked(folder: string): void {
  const full = resolve(folder);
  const parts = full.split(/[\\/]+/).filter(Boolean);
  let path = full.startsWith('/') ? '/' : '';
  for (const [index, part] of parts.entries()) {
    path = index === 0 && !full.startsWith('/') ? `${part}${sep}` : join(path, part);
    if (lstatSync(path).isSymbolicLink()) {
      throw new CompanionError(
        'NOT_ALLOWED',
        `${folder} goes through a link or junction (${path} leads to ${realpathSync.native(path)}); the companion does not write through links.`,
        `Type the real path (${realpathSync.native(folder)}) if that is where it belongs, or choose another folder.`,
      );
    }
  }
  if (!lstatSync(full).isDirectory())
    throw new CompanionError('NOT_ALLOWED', `${folder} is not a folder.`, 'Choose a folder.');
}

export function writeFileSafely(folder: string, name: string, data: string | Uint8Array): string {
  const target = join(folder, name);
  const temporary = join(folder, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
    renamed = true;
  } finally {
    if (!renamed) rmSync(temporary, { force: true });
  }
  return target;
}
