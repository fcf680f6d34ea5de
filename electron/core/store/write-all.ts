import { writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CompanionError } from '../errors.ts';

/** All of it or an error: writeSync may take only part (a disk filling up), so the rest follows until done or it throws. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes =
    typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** A full disk or quota (ENOSPC, EDQUOT) as DISK_FULL, naming the folder and what could not be written; any other error as it is. */
export function diskFullOr(error: unknown, file: string, what: string, after: string): unknown {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return new CompanionError(
    'DISK_FULL',
    `The disk (or your quota) holding ${dirname(file)} is full: ${what} (${code}).`,
    `Free space on that drive, then run the step again; ${after}`,
  );
}
