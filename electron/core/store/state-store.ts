import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, copyFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lockSync } from 'proper-lockfile';

/**
 * Saved state is a hint, not the truth (verify() is): it is written atomically (write a
 * temporary file, flush, rename over the old one, flush the folder) so a crash at any
 * moment leaves either the old state or the new one, never a torn file.
 */
export interface StateStore<T> {
  read(): T;
  write(state: T): void;
  /**
   * Reads what is on disk, changes it and writes it back while holding a lock beside the file,
   * so another process doing the same cannot interleave (a lock left by a killed process goes
   * stale after 10 seconds). Without the lock after 5 seconds, it goes ahead: the state is a hint.
   */
  update(change: (current: T) => T): void;
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
    update(change) {
      const release = lockFor(file);
      try {
        this.write(change(this.read()));
      } finally {
        release();
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
      renameOver(temporary, file);
      syncFolder(dirname(file));
    },
  };
}

/** Rename over the old file; on Windows a reader or a scan holding it briefly fails it with EPERM, so it is tried again. */
function renameOver(from: string, to: string): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      if (!['EPERM', 'EBUSY', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '') || attempt >= 20) throw error;
      Atomics.wait(WAIT, 0, 0, 25);
    }
  }
}

/** The inter-process lock on one state file, waited for up to 5 s. */
function lockFor(file: string): () => void {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return lockSync(file, { realpath: false, stale: 10_000 });
    } catch (error) {
      // ELOCKED: the other process holds it; EPERM/EBUSY: Windows (an antivirus scan) briefly holds the folder.
      if (!['ELOCKED', 'EPERM', 'EBUSY'].includes((error as NodeJS.ErrnoException).code ?? '') || Date.now() > deadline) return () => undefined;
      Atomics.wait(WAIT, 0, 0, 25);
    }
  }
}
const WAIT = new Int32Array(new SharedArrayBuffer(4));

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
