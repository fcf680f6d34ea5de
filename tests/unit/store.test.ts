import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, readJournal } from '../../electron/core/store/journal.ts';
import { Redactor, REDACTED } from '../../electron/core/store/redact.ts';
import { createStateStore } from '../../electron/core/store/state-store.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'ndes-store-')));

describe('state store', () => {
  it('returns the fallback when nothing was saved, then what was written', () => {
    const store = createStateStore(join(fresh(), 'state.json'), () => ({ n: 0 }), (raw) => raw as { n: number });
    expect(store.read()).toEqual({ n: 0 });
    store.write({ n: 3 });
    expect(store.read()).toEqual({ n: 3 });
  });

  it('puts an unreadable file aside instead of overwriting it', () => {
    const file = join(fresh(), 'state.json');
    writeFileSync(file, '{"n": 3');
    const store = createStateStore(file, () => ({ n: 0 }), (raw) => raw as { n: number });
    expect(store.read()).toEqual({ n: 0 });
    expect(store.recoveredFrom).not.toBeNull();
    expect(readFileSync(store.recoveredFrom ?? '', 'utf8')).toBe('{"n": 3');
  });

  it('leaves no temporary files behind', () => {
    const store = createStateStore(join(fresh(), 'state.json'), () => ({ n: 0 }), (raw) => raw as { n: number });
    for (let n = 0; n < 20; n += 1) store.write({ n });
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});

describe('journal', () => {
  it('redacts every entry before it reaches the disk', () => {
    const file = join(fresh(), 'journal.jsonl');
    const redactor = new Redactor();
    redactor.addSecret('s3cr3t-proxy-pass');
    const journal = openJournal(file, redactor);
    journal.append({
      kind: 'test',
      message: 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl and Bearer abcdefghijklmnop used with s3cr3t-proxy-pass',
      data: { accessToken: 'abc', nested: { password: 'hunter2', url: 'http://user:pw@proxy:8080/' }, ok: 'plain' },
    });
    journal.close();
    const text = readFileSync(file, 'utf8');
    for (const secret of ['eyJhbGci', 'abcdefghijklmnop', 's3cr3t-proxy-pass', 'hunter2', 'user:pw', '"abc"']) expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(text).toContain('plain');
  });

  it('redacts secrets named in free text, as tools print them', () => {
    const redactor = new Redactor();
    const appcmd = '<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="Winter2026!" />';
    expect(redactor.text(appcmd)).toBe('<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="[redacted]" />');
    expect(redactor.text("password:'p w' token=abc123;next Pwd: hunter2")).toBe("password:'[redacted]' token=[redacted];next Pwd: [redacted]");
    expect(redactor.text('passwordless sign-in; the token cache')).toBe('passwordless sign-in; the token cache');
  });

  it('skips a torn last line and reports it', () => {
    const file = join(fresh(), 'journal.jsonl');
    const journal = openJournal(file, new Redactor());
    journal.append({ kind: 'a', message: 'one' });
    journal.close();
    appendFileSync(file, '{"kind":"b","mess');
    const read = readJournal(file);
    expect(read.entries.map((entry) => entry.message)).toEqual(['one']);
    expect(read.torn).toBe(true);
  });
});
