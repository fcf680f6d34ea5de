import { diskFullOr, writeAll } from './write-all.ts';
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
  fstatSync,
  readSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JournalEntry } from '../../contract/model.ts';
import type { Redactor } from './redact.ts';

/**
 * Append-only JSON lines. Each entry is redacted, written with one write() call and
 * flushed before append() returns, so a kill at any moment loses at most the line being
 * written; that torn line is set aside when the journal is next opened.
 */
export interface Journal {
  append(entry: Omit<JournalEntry, 'at'> & { at?: string }): JournalEntry;
  tail(limit: number): JournalEntry[];
  close(): void;
  /** False once the companion has closed it (shutting down). */
  isOpen(): boolean;
}

export interface JournalRead {
  entries: JournalEntry[];
  /** True when the last line was cut short (the writer died mid-line). */
  torn: boolean;
}

export function readJournal(file: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], torn: false };
    throw error;
  }
  const entries: JournalEntry[] = [];
  let torn = false;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line === '') return;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // Only the last line can be torn by a crash; an earlier bad line was repaired by openJournal.
      if (index === lines.length - 1) torn = true;
    }
  });
  return { entries, torn };
}

/**
 * The newest `limit` entries, read backwards from the end in blocks: the wizard and the CLI ask
 * for the tail often, and a long journal is never read whole for it.
 */
export function readJournalTail(file: string, limit: number, block = 64 * 1024): JournalEntry[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    let position = fstatSync(fd).size;
    let carry = Buffer.alloc(0);
    const lines: string[] = [];
    while (position > 0 && lines.length <= limit) {
      const size = Math.min(block, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      readSync(fd, chunk, 0, size, position);
      let joined = Buffer.concat([chunk, carry]);
      // Bytes before the first newline may belong to a line that starts in an earlier block:
      // they are carried as bytes, so a character split across blocks is never mangled.
      if (position > 0) {
        const first = joined.indexOf(0x0a);
        if (first < 0) {
          carry = joined;
          continue;
        }
        carry = joined.subarray(0, first);
        joined = joined.subarray(first + 1);
      } else {
        carry = Buffer.alloc(0);
      }
      const parts = joined
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '');
      lines.unshift(...parts);
    }
    const entries: JournalEntry[] = [];
    for (const line of lines.slice(-limit - 1)) {
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // A torn line: openJournal sets it aside when the companion starts.
      }
    }
    return entries.slice(-limit);
  } finally {
    closeSync(fd);
  }
}

/**
 * A writer killed mid-line leaves bytes after the last newline. They are set aside whole in
 * journal.torn-<time>.txt beside the journal (never dropped), the journal is cut back to its
 * last complete line (so it stays valid JSON lines), and the repair is journaled.
 */
function repairTornTail(file: string, now: () => Date): { keptAs: string; bytes: number } | null {
  // Its own read-write handle: an append handle cannot shorten the file on Windows (libuv opens
  // "a+" without FILE_WRITE_DATA).
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return null;
    // Find the last newline, reading backwards.
    let end = size;
    let start = 0;
    const block = Buffer.alloc(4096);
    while (end > 0) {
      const from = Math.max(0, end - block.length);
      const read = readSync(fd, block, 0, end - from, from);
      const at = block.subarray(0, read).lastIndexOf(0x0a);
      if (at >= 0) {
        start = from + at + 1;
        break;
      }
      end = from;
    }
    const torn = Buffer.alloc(size - start);
    readSync(fd, torn, 0, torn.length, start);
    try {
      JSON.parse(torn.toString('utf8'));
      // A whole entry that only lost its newline: finish the line, nothing is torn.
      writeSync(fd, '\n', size);
      fsyncSync(fd);
      return null;
    } catch {
      // Kept whole and flushed before anything is cut; a name of its own even within one millisecond.
      const keptAs = join(
        dirname(file),
        `${basename(file, '.jsonl')}.torn-${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.txt`,
      );
      const kept = openSync(keptAs, 'wx', 0o600);
      try {
        writeSync(kept, torn);
        fsyncSync(kept);
      } finally {
        closeSync(kept);
      }
      // Another process appending meanwhile (the CLI beside the app) would make the file longer:
      // then nothing is cut, and the journal gets a newline so its entry starts a line of its own.
      if (fstatSync(fd).size !== size) {
        writeSync(fd, '\n', fstatSync(fd).size);
        fsyncSync(fd);
        return { keptAs, bytes: torn.length };
      }
      ftruncateSync(fd, start);
      fsyncSync(fd);
      return { keptAs, bytes: torn.length };
    }
  } finally {
    closeSync(fd);
  }
}

export function openJournal(file: string, redactor: Redactor, now: () => Date = () => new Date()): Journal {
  mkdirSync(dirname(file), { recursive: true });
  const repaired = repairTornTail(file, now);
  const fd = openSync(file, 'a+', 0o600);
  let closed = false;

  const journal: Journal = {
    append(entry) {
      if (closed) throw new Error('journal is closed');
      const full = redactor.value({ ...entry, at: entry.at ?? now().toISOString() }) as JournalEntry;
      try {
        writeAll(fd, `${JSON.stringify(full)}\n`);
        fsyncSync(fd);
      } catch (error) {
        // A line cut short by a full disk is set aside when the journal is next opened.
        throw diskFullOr(
          error,
          file,
          `the journal could not record "${String(full.message).slice(0, 80)}"`,
          'the journal goes on from its last whole entry.',
        );
      }
      return full;
    },
    tail(limit) {
      return readJournalTail(file, limit);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
    isOpen: () => !closed,
  };
  if (repaired)
    journal.append({
      kind: 'journal-repaired',
      message: `The journal's last line was cut short when the companion stopped; its ${repaired.bytes} bytes are kept in ${repaired.keptAs}, and the journal goes on from its last whole entry.`,
    });
  return journal;
}
