import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRealFolder, writeFileSafely } from '../../electron/core/report/safe-write.ts';

/**
 * Where the elevated app writes what an admin asked for (the runbook folder, the support bundle's
 * --out), a standard user may have planted links first. Real links on a real filesystem here; on
 * Windows a junction is what realpath resolves the same way (the Windows workflow runs this too).
 */
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'ndes-safe-write-')));

describe('writing where the admin pointed', () => {
  it('a symbolic link planted at the file name is replaced, and what it pointed at is untouched', () => {
    const folder = join(fresh(), 'out');
    mkdirSync(folder);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(folder, 'runbook.md'));
    writeFileSafely(checkRealFolder(folder), 'runbook.md', '# runbook');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(folder, 'runbook.md')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(folder, 'runbook.md'), 'utf8')).toBe('# runbook');
    expect(readdirSync(folder)).toEqual(['runbook.md']);
  });

  it('a hard link planted at the file name is replaced, and the other name keeps its content', () => {
    const folder = join(fresh(), 'out');
    mkdirSync(folder);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    linkSync(victim, join(folder, 'runbook.json'));
    writeFileSafely(checkRealFolder(folder), 'runbook.json', '{}');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(join(folder, 'runbook.json'), 'utf8')).toBe('{}');
  });

  it('a folder that is a link, or lies under one, is refused before anything is written', () => {
    const elsewhere = join(fresh(), 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(dir, 'out'));
    expect(() => checkRealFolder(join(dir, 'out'))).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
    expect(() => checkRealFolder(join(dir, 'out', 'sub'))).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('an ordinary folder and an earlier file: written over, nothing left beside it', () => {
    const folder = join(fresh(), 'out');
    writeFileSafely(checkRealFolder(folder), 'runbook.md', 'one');
    writeFileSafely(checkRealFolder(folder), 'runbook.md', 'two');
    expect(readFileSync(join(folder, 'runbook.md'), 'utf8')).toBe('two');
    expect(readdirSync(folder)).toEqual(['runbook.md']);
  });
});
