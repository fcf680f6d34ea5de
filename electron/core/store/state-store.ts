import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, copyFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Saved state is a hint, not the truth (verify() is): it is written atomically (write a
 * temporary file, flush, rename over the old one, flush the folder) so a crash at any
 * moment leaves either the old state or the new one, never a torn file.
 */
export interface StateStore<T> {
  read(): T;
  write(state: T): void;
  /** Set when the file on disk could not be read and was put aside. */
  readonly recoveredFrom: string | null;
}

export function createStateStore<T>(file: string, fallback: () => T, parse: (raw: unknown) => T): StateStore<T> {
  let recoveredFrom: string | null = null;
  mkdirSync(dirname(file), { recursive: true });

  return {
    get recoveredFrom() {
      return recoveredFrom;
    },
    read() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback();
        throw error;
      }
      try {
        return parse(JSON.parse(text));
      } catch {
        // Keep the unreadable file for the support bundle instead of silently overwriting it.
        const aside = join(dirname(file), `${basename(file)}.unreadable-${Date.now()}`);
        copyFileSync(file, aside);
        recoveredFrom = aside;
        return fallback();
      }
    },
    write(state) {
      const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const fd = openSync(temporary, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, file);
      syncFolder(dirname(file));
    },
  };
}

function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; NTFS rename is already durable enough there.
  }
}
