import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournal, readJournal } from '../../electron/core/store/journal.ts';
import { Redactor } from '../../electron/core/store/redact.ts';
import { repoRoot } from '../helpers/companion.ts';

const work = mkdtempSync(join(tmpdir(), 'ndes-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const writer = join(work, 'crash-writer.mjs');
// As tools/build.mjs does: CommonJS dependencies (proper-lockfile) bundled into ESM call require().
buildSync({
  entryPoints: [join(repoRoot, 'tests/fixtures/crash-writer.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: writer,
  logLevel: 'silent',
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});

/** Runs the writer until it has completed `atLeast` writes, then kills it mid-flight. */
function killMidWrite(dir: string, atLeast: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, join(dir, 'state.json'), join(dir, 'journal.jsonl')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let completed = 0;
    let buffer = '';
    let killing = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) completed = Math.max(completed, Number(line));
      if (completed >= atLeast && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(completed) : reject(new Error(`writer exited without being killed (${signal})`)),
    );
  });
}

describe('state store and journal survive SIGKILL mid-write', () => {
  it.each([
    [1, 0],
    [5, 1],
    [20, 3],
    [40, 0],
  ])('after at least %i writes (+%i ms)', async (atLeast, extraMs) => {
    const dir = mkdtempSync(join(work, 'run-'));
    const announced = await killMidWrite(dir, atLeast, extraMs);

    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { version: number; padding: string };
    // The state is a whole version: at least the last one announced, at most one being written.
    expect(state.version).toBeGreaterThanOrEqual(announced);
    expect(state.padding).toHaveLength(64 * 1024);

    const { entries } = readJournal(join(dir, 'journal.jsonl'));
    const versions = entries.map((entry) => (entry.data as { version: number }).version);
    // Every completed line is intact and in order; none is missing before the kill point.
    expect(versions.slice(0, announced)).toEqual(Array.from({ length: announced }, (_, i) => i + 1));
    expect(entries.every((entry) => entry.kind === 'tick' && typeof entry.at === 'string')).toBe(true);

    // No temporary file is left that a later read could mistake for state.
    expect(
      readdirSync(dir)
        .filter((name) => name === 'state.json' || name === 'journal.jsonl')
        .sort(),
    ).toEqual(['journal.jsonl', 'state.json']);

    // A new writer appends after a torn line without gluing onto it.
    const journal = openJournal(join(dir, 'journal.jsonl'), new Redactor());
    journal.append({ kind: 'after-crash', message: 'resumed' });
    journal.close();
    const after = readJournal(join(dir, 'journal.jsonl'));
    expect(after.entries.at(-1)).toMatchObject({ kind: 'after-crash', message: 'resumed' });
    expect(after.torn).toBe(false);
  });
});
