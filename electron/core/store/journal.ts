import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, fstatSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry } from '../../contract/model.ts';
import type { Redactor } from './redact.ts';

/**
 * Append-only JSON lines. Each entry is redacted, written with one write() call and
 * flushed before append() returns, so a kill at any moment loses at most the line being
 * written; readers skip a torn last line.
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

export function openJournal(file: string, redactor: Redactor, now: () => Date = () => new Date()): Journal {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a+', 0o600);
  // A writer that died mid-line left no newline: start ours on a fresh line.
  const size = fstatSync(fd).size;
  if (size > 0) {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeSync(fd, '\n');
  }
  let closed = false;

  return {
    append(entry) {
      if (closed) throw new Error('journal is closed');
      const full = redactor.value({ ...entry, at: entry.at ?? now().toISOString() }) as JournalEntry;
      writeSync(fd, `${JSON.stringify(full)}\n`);
      fsyncSync(fd);
      return full;
    },
    tail(limit) {
      return readJournal(file).entries.slice(-limit);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
    isOpen: () => !closed,
  };
}
