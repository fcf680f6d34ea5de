import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, readJournal, readJournalTail } from '../../electron/core/store/journal.ts';
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

  it('redacts a secret in data, in names as well as in values', () => {
    const redactor = new Redactor();
    redactor.addSecret('tok-Zz9Zz9Zz9Zz9');
    const redacted = JSON.stringify(redactor.value({ byToken: { 'tok-Zz9Zz9Zz9Zz9': 'seen' }, note: 'used tok-Zz9Zz9Zz9Zz9 once' }));
    expect(redacted).not.toContain('Zz9Zz9');
    expect(redacted).toContain(REDACTED);
  });

  it('redacts secrets named in free text, as tools print them', () => {
    const redactor = new Redactor();
    const appcmd = '<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="Winter2026!" />';
    expect(redactor.text(appcmd)).toBe('<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="[redacted]" />');
    expect(redactor.text("password:'p w' token=abc123;next Pwd: hunter2")).toBe("password:'[redacted]' token=[redacted];next Pwd: [redacted]");
    expect(redactor.text('passwordless sign-in; the token cache')).toBe('passwordless sign-in; the token cache');
  });

  it('redacts secrets as support material prints them: JSON and XML members, cookies, refresh tokens, installer properties, secure strings', () => {
    const redactor = new Redactor();
    expect(redactor.text('body {"client_secret": "s3cr3t-VALUE", "user":"a"}')).toBe(`body {"client_secret": "${REDACTED}", "user":"a"}`);
    expect(redactor.text('{"password":"p\\"q"}')).toBe(`{"password":"${REDACTED}"}`);
    expect(redactor.text('<Password>Winter2026!</Password><User>svc</User>')).toBe(`<Password>${REDACTED}</Password><User>svc</User>`);
    expect(redactor.text('Cookie: ESTSAUTH=abc; x-ms-gateway-slice=estsfd\nnext line')).toBe(`Cookie: ${REDACTED}\nnext line`);
    expect(redactor.text('rt 0.AXoA1234567890abcdefghijklmnopqrstuvwxyzABCDEF_-.*more end')).toBe(`rt ${REDACTED} end`);
    expect(redactor.text('Property(S): PROXYPASS = Pr0xy!Pass')).toBe(`Property(S): PROXYPASS = ${REDACTED}`);
    expect(redactor.text('-PfxPassword (ConvertTo-SecureString "Secr3t!" -AsPlainText -Force)')).toBe(`-PfxPassword ${REDACTED} ${REDACTED} -AsPlainText -Force)`);
    expect(redactor.text('$p = ConvertTo-SecureString -String \'Secr3t!\' -AsPlainText')).toBe(`$p = ConvertTo-SecureString -String ${REDACTED} -AsPlainText`);
    // Inside a JSON string the document stays JSON.
    const json = JSON.stringify({ tail: ['Cookie: ESTSAUTH=abc; path=/', 'PROXYPASS = x1', 'ConvertTo-SecureString s3cr3t'] });
    expect(JSON.parse(redactor.text(json))).toEqual({ tail: [`Cookie: ${REDACTED}`, `PROXYPASS = ${REDACTED}`, `ConvertTo-SecureString ${REDACTED}`] });
    // Evidence that only looks like it stays.
    for (const text of ['Property(S): BYPASSLIST = *.contoso.local', 'version 0.1.0', '"tokenLifetime" is 3600', '<PasswordPolicy>on</PasswordPolicy> ']) expect(redactor.text(text)).toBe(text);
  });

  it('redacts authorization headers, password parameters, *Token= names and credentials before a bare host', () => {
    const redactor = new Redactor();
    expect(redactor.text('Proxy-Authorization: Basic c3ZjOlBhNTV3MHJk')).toBe(`Proxy-Authorization: ${REDACTED}`);
    expect(redactor.text('-PfxPassword Secr3t! -Force')).toBe(`-PfxPassword ${REDACTED} -Force`);
    expect(redactor.text('AccessToken=abcdef123;x=1')).toBe(`AccessToken=${REDACTED};x=1`);
    expect(redactor.text('netsh: http=svc:Pa55w0rd@proxy:8080')).toBe(`netsh: http=${REDACTED}@proxy:8080`);
    // What is not a secret stays as it is.
    expect(redactor.text('http=user:p@ss@proxy:8080')).toBe(`http=${REDACTED}@proxy:8080`);
    expect(redactor.text("@{Authorization='Basic c3ZjOlBhNTV3MHJk'}")).toBe(`@{Authorization='${REDACTED}'}`);
    expect(redactor.text('Authorization: SharedKey acct:c2lnbmF0dXJlc2lnbmF0dXJl')).toBe(`Authorization: ${REDACTED}`);
    // What is not a secret stays as it is: evidence must not be damaged.
    for (const text of ['admin@contoso.onmicrosoft.com signed in', 'Tenant: admin@contoso.com', 'Authorization failed for the user', 'Authorization: required', 'GET https://graph.microsoft.com/v1.0/organization', 'Set-ADAccountPassword -Identity svc', 'non-secret value', 'mailto:admin@contoso.com', 'C:\\Users\\admin@contoso.com\\x']) expect(redactor.text(text)).toBe(text);
  });

  it('sets a torn last line aside when it opens, keeps every whole entry, and says where it kept it', () => {
    const dir = fresh();
    const file = join(dir, 'journal.jsonl');
    const first = openJournal(file, new Redactor());
    first.append({ kind: 'a', message: 'one' });
    first.close();
    appendFileSync(file, '{"kind":"b","mess');
    const reopened = openJournal(file, new Redactor(), () => new Date('2026-12-01T10:00:00Z'));
    reopened.append({ kind: 'c', message: 'three' });
    reopened.close();
    const read = readJournal(file);
    expect(read.torn).toBe(false);
    expect(read.entries.map((entry) => entry.kind)).toEqual(['a', 'journal-repaired', 'c']);
    const keptName = readdirSync(dir).find((name) => /^journal\.torn-2026-12-01T10-00-00-000Z-[0-9a-f]{6}\.txt$/.test(name)) ?? 'none';
    const kept = join(dir, keptName);
    expect(readFileSync(kept, 'utf8')).toBe('{"kind":"b","mess');
    expect(read.entries[1]?.message).toBe(`The journal's last line was cut short when the companion stopped; its 17 bytes are kept in ${kept}, and the journal goes on from its last whole entry.`);
  });

  it('reads the tail backwards in blocks, whole characters across block edges, without the rest of the file', () => {
    const file = join(fresh(), 'journal.jsonl');
    const journal = openJournal(file, new Redactor());
    for (let index = 0; index < 40; index += 1) journal.append({ kind: 'n', message: `entry ${index} ☑ é 漢字` });
    journal.close();
    const whole = readJournal(file).entries;
    for (const block of [5, 7, 64, 1024]) {
      for (const limit of [1, 3, 39, 40, 100]) expect(readJournalTail(file, limit, block)).toEqual(whole.slice(-limit));
    }
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
