import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { diskFullOr, writeAll } from './write-all.ts';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lockSync } from 'proper-lockfile';
import { CompanionError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';

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
   * stale after 10 seconds). Without the lock after 5 seconds: refused when `lockRequired` (a
   * step's claim must not race another process), else written all the same and said (notice).
   */
  update(change: (current: T) => T, options?: { lockRequired?: boolean }): void;
  /** Set when the file on disk could not be read and was put aside. */
  readonly recoveredFrom: string | null;
}

export interface StateStoreOptions {
  /** What the store had to do that the record should show: a file put aside, a write without its lock. */
  onNotice?(message: string): void;
  /** How long to wait for the lock (5 s). */
  lockWaitMs?: number;
}

export function createStateStore<T>(
  file: string,
  fallback: () => T,
  parse: (raw: unknown) => T,
  options: StateStoreOptions = {},
): StateStore<T> {
  let recoveredFrom: string | null = null;
  mkdirSync(dirname(file), { recursive: true });
  sweepTemporaries(file);

  const parsed = (): { ok: true; value: T } | { ok: false } | null => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return { ok: true, value: parse(JSON.parse(text)) };
    } catch {
      return { ok: false };
    }
  };

  const write = (state: T): void => {
    const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let renamed = false;
    try {
      const fd = openSync(temporary, 'wx', 0o600);
      try {
        writeAll(fd, `${JSON.stringify(state, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameOver(temporary, file);
      renamed = true;
    } catch (error) {
      throw diskFullOr(
        error,
        file,
        `${basename(file)} could not be saved`,
        `nothing was lost, the last saved ${basename(file)} is kept.`,
      );
    } finally {
      // A write that failed (a full disk) leaves no temporary file behind.
      if (!renamed) rmSync(temporary, { force: true });
    }
    syncFolder(dirname(file));
  };

  /** An unreadable file is put aside once, under the lock, and a fresh state written in its place. */
  const recover = (locked: boolean): T => {
    const release = locked ? null : lockFor(file, options.lockWaitMs);
    try {
      const again = parsed();
      if (again?.ok) return again.value;
      if (again === null) return fallback();
      const aside = join(dirname(file), `${basename(file)}.unreadable-${Date.now()}`);
      try {
        renameSync(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          // Another process put it aside first and wrote a fresh one.
          const now = parsed();
          return now?.ok ? now.value : fallback();
        }
        throw error;
      }
      recoveredFrom = aside;
      const fresh = fallback();
      write(fresh);
      options.onNotice?.(
        `${basename(file)} could not be read; it was kept as ${basename(aside)} and a fresh one written.`,
      );
      return fresh;
    } finally {
      release?.();
    }
  };

  const read = (locked = false): T => {
    const found = parsed();
    if (found === null) return fallback();
    return found.ok ? found.value : recover(locked);
  };

  return {
    get recoveredFrom() {
      return recoveredFrom;
    },
    read: () => read(),
    update(change, updateOptions = {}) {
      const release = lockFor(file, options.lockWaitMs);
      if (!release) {
        if (updateOptions.lockRequired)
          throw new CompanionError(
            'STATE_LOCKED',
            `${basename(file)} stayed locked by another process for more than ${Math.round((options.lockWaitMs ?? 5_000) / 1000)} s, so this change was not saved.`,
            'Another companion (the window or a CLI command) is saving; wait a moment and try again. A lock left by a stopped process clears itself after 10 seconds.',
          );
        options.onNotice?.(
          `${basename(file)} was saved without its lock: another process held it for more than ${Math.round((options.lockWaitMs ?? 5_000) / 1000)} s.`,
        );
      }
      try {
        write(change(read(true)));
      } finally {
        release?.();
      }
    },
    write,
  };
}

/** Temporary files a stopped process left behind (its pid no longer runs) are removed at start. */
function sweepTemporaries(file: string): void {
  const pattern = new RegExp(
    `^\\.${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`,
  );
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && (pid === process.pid || !processAlive(pid)))
      rmSync(join(dirname(file), name), { force: true });
  }
}

/** Rename over the old file; on Windows a reader or a scan holding it briefly fails it with EPERM, so it is tried again. */
function renameOver(from: string, to: string): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      if (!['EPERM', 'EBUSY', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '') || attempt >= 20)
        throw error;
      Atomics.wait(WAIT, 0, 0, 25);
    }
  }
}

/** The inter-process lock on one state file, waited for up to 5 s; null when it was not had. */
function lockFor(file: string, waitMs = 5_000): (() => void) | null {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockSync(file, { realpath: false, stale: 10_000 });
    } catch (error) {
      // ELOCKED: the other process holds it; EPERM/EBUSY: Windows (an antivirus scan) briefly holds the folder.
      if (!['ELOCKED', 'EPERM', 'EBUSY'].includes((error as NodeJS.ErrnoException).code ?? '') || Date.now() > deadline)
        return null;
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
