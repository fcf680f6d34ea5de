import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
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
    const store = createStateStore(
      join(fresh(), 'state.json'),
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
    );
    expect(store.read()).toEqual({ n: 0 });
    store.write({ n: 3 });
    expect(store.read()).toEqual({ n: 3 });
  });

  it('puts an unreadable file aside instead of overwriting it', () => {
    const file = join(fresh(), 'state.json');
    writeFileSync(file, '{"n": 3');
    const store = createStateStore(
      file,
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
    );
    expect(store.read()).toEqual({ n: 0 });
    expect(store.recoveredFrom).not.toBeNull();
    expect(readFileSync(store.recoveredFrom ?? '', 'utf8')).toBe('{"n": 3');
  });

  it('an unreadable file is put aside once, a fresh one written at once, and the record told', () => {
    const file = join(fresh(), 'state.json');
    writeFileSync(file, '{"n": 3');
    const notices: string[] = [];
    const store = createStateStore(
      file,
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
      { onNotice: (message) => notices.push(message) },
    );
    expect(store.read()).toEqual({ n: 0 });
    expect(store.read()).toEqual({ n: 0 });
    // A second store (the other process) reads the fresh file: nothing more is put aside.
    expect(
      createStateStore(
        file,
        () => ({ n: 0 }),
        (raw) => raw as { n: number },
      ).read(),
    ).toEqual({ n: 0 });
    expect(readdirSync(dir).filter((name) => name.includes('.unreadable-'))).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 0 });
    expect(notices).toEqual([
      expect.stringMatching(
        /^state\.json could not be read; it was kept as state\.json\.unreadable-\d+ and a fresh one written\.$/,
      ),
    ]);
  });

  it('a lock another process holds: a claim is refused, any other write goes on and is said', () => {
    const file = join(fresh(), 'state.json');
    const notices: string[] = [];
    const store = createStateStore(
      file,
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
      { onNotice: (message) => notices.push(message), lockWaitMs: 1_000 },
    );
    // proper-lockfile's lock is a folder beside the file; a fresh one (its time in the future) is held.
    mkdirSync(`${file}.lock`);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(`${file}.lock`, later, later);
    expect(() => store.update((state) => ({ n: state.n + 1 }), { lockRequired: true })).toThrow(
      expect.objectContaining({ code: 'STATE_LOCKED' }),
    );
    expect(store.read()).toEqual({ n: 0 });
    store.update((state) => ({ n: state.n + 1 }));
    expect(store.read()).toEqual({ n: 1 });
    expect(notices).toEqual(['state.json was saved without its lock: another process held it for more than 1 s.']);
  });

  it('temporary files of a process that no longer runs are swept at start', () => {
    const file = join(fresh(), 'state.json');
    const gone = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, `.state.json.${gone}.0badc0de.tmp`), '');
    writeFileSync(join(dir, `.state.json.${process.ppid}.0badc0de.tmp`), '');
    createStateStore(
      file,
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
    );
    // The process that started this one still runs: its file is not ours to remove.
    expect(readdirSync(dir).sort()).toEqual([`.state.json.${process.ppid}.0badc0de.tmp`]);
  });

  it('a full disk is said with where, and leaves no temporary file', (context) => {
    const mount = join(fresh(), 'tiny');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      // Mounting a small filesystem needs root (as on CI and this project's machines); elsewhere the case cannot be made.
      context.skip();
      return;
    }
    try {
      const file = join(mount, 'state.json');
      const store = createStateStore(
        file,
        () => ({ text: '' }),
        (raw) => raw as { text: string },
      );
      store.write({ text: 'small' });
      expect(() => store.write({ text: 'x'.repeat(256 * 1024) })).toThrow(
        expect.objectContaining({
          code: 'DISK_FULL',
          message: `The disk (or your quota) holding ${mount} is full: state.json could not be saved (ENOSPC).`,
        }),
      );
      expect(readdirSync(mount)).toEqual(['state.json']);
      expect(store.read()).toEqual({ text: 'small' });
      // The journal too: a line that does not fit is said, with where.
      const journal = openJournal(join(mount, 'journal.jsonl'), new Redactor());
      try {
        expect(() => {
          for (let line = 0; line < 1000; line += 1)
            journal.append({ kind: 'progress', message: `line ${line} ${'y'.repeat(1024)}` });
        }).toThrow(
          expect.objectContaining({
            code: 'DISK_FULL',
            message: expect.stringMatching(
              new RegExp(
                `^The disk \\(or your quota\\) holding ${mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full: the journal could not record "line \\d+`,
              ),
            ),
          }),
        );
      } finally {
        journal.close();
      }
    } finally {
      execFileSync('umount', [mount], { stdio: 'ignore' });
    }
  });

  it('leaves no temporary files behind', () => {
    const store = createStateStore(
      join(fresh(), 'state.json'),
      () => ({ n: 0 }),
      (raw) => raw as { n: number },
    );
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
      message:
        'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl and Bearer abcdefghijklmnop used with s3cr3t-proxy-pass',
      data: { accessToken: 'abc', nested: { password: 'hunter2', url: 'http://user:pw@proxy:8080/' }, ok: 'plain' },
    });
    journal.close();
    const text = readFileSync(file, 'utf8');
    for (const secret of ['eyJhbGci', 'abcdefghijklmnop', 's3cr3t-proxy-pass', 'hunter2', 'user:pw', '"abc"'])
      expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(text).toContain('plain');
  });

  it('redacts a secret in data, in names as well as in values', () => {
    const redactor = new Redactor();
    redactor.addSecret('tok-Zz9Zz9Zz9Zz9');
    const redacted = JSON.stringify(
      redactor.value({ byToken: { 'tok-Zz9Zz9Zz9Zz9': 'seen' }, note: 'used tok-Zz9Zz9Zz9Zz9 once' }),
    );
    expect(redacted).not.toContain('Zz9Zz9');
    expect(redacted).toContain(REDACTED);
  });

  it('redacts secrets named in free text, as tools print them', () => {
    const redactor = new Redactor();
    const appcmd = '<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="Winter2026!" />';
    expect(redactor.text(appcmd)).toBe(
      '<processModel identityType="SpecificUser" userName="CONTOSO\\svc-ndes" password="[redacted]" />',
    );
    expect(redactor.text("password:'p w' token=abc123;next Pwd: hunter2")).toBe(
      "password:'[redacted]' token=[redacted];next Pwd: [redacted]",
    );
    expect(redactor.text('passwordless sign-in; the token cache')).toBe('passwordless sign-in; the token cache');
  });

  it('redacts secrets as support material prints them: JSON and XML members, cookies, refresh tokens, installer properties, secure strings', () => {
    const redactor = new Redactor();
    expect(redactor.text('body {"client_secret": "s3cr3t-VALUE", "user":"a"}')).toBe(
      `body {"client_secret": "${REDACTED}", "user":"a"}`,
    );
    expect(redactor.text('{"password":"p\\"q"}')).toBe(`{"password":"${REDACTED}"}`);
    expect(redactor.text('<Password>Winter2026!</Password><User>svc</User>')).toBe(
      `<Password>${REDACTED}</Password><User>svc</User>`,
    );
    expect(redactor.text('Cookie: ESTSAUTH=abc; x-ms-gateway-slice=estsfd\nnext line')).toBe(
      `Cookie: ${REDACTED}\nnext line`,
    );
    expect(redactor.text('rt 0.AXoA1234567890abcdefghijklmnopqrstuvwxyzABCDEF_-.*more end')).toBe(`rt ${REDACTED} end`);
    expect(redactor.text('Property(S): PROXYPASS = Pr0xy!Pass')).toBe(`Property(S): PROXYPASS = ${REDACTED}`);
    expect(redactor.text('-PfxPassword (ConvertTo-SecureString "Secr3t!" -AsPlainText -Force)')).toBe(
      `-PfxPassword ${REDACTED} ${REDACTED} -AsPlainText -Force)`,
    );
    expect(redactor.text("$p = ConvertTo-SecureString -String 'Secr3t!' -AsPlainText")).toBe(
      `$p = ConvertTo-SecureString -String ${REDACTED} -AsPlainText`,
    );
    // Inside a JSON string the document stays JSON.
    const json = JSON.stringify({
      tail: ['Cookie: ESTSAUTH=abc; path=/', 'PROXYPASS = x1', 'ConvertTo-SecureString s3cr3t'],
    });
    expect(JSON.parse(redactor.text(json))).toEqual({
      tail: [`Cookie: ${REDACTED}`, `PROXYPASS = ${REDACTED}`, `ConvertTo-SecureString ${REDACTED}`],
    });
    // Evidence that only looks like it stays.
    for (const text of [
      'Property(S): BYPASSLIST = *.contoso.local',
      'version 0.1.0',
      '"tokenLifetime" is 3600',
      '<PasswordPolicy>on</PasswordPolicy> ',
    ])
      expect(redactor.text(text)).toBe(text);
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
    for (const text of [
      'admin@contoso.onmicrosoft.com signed in',
      'Tenant: admin@contoso.com',
      'Authorization failed for the user',
      'Authorization: required',
      'GET https://graph.microsoft.com/v1.0/organization',
      'Set-ADAccountPassword -Identity svc',
      'non-secret value',
      'mailto:admin@contoso.com',
      'C:\\Users\\admin@contoso.com\\x',
    ])
      expect(redactor.text(text)).toBe(text);
  });

  it('redacts a password in a URL whatever it holds: /, @, a space; and one named in prose', () => {
    const redactor = new Redactor();
    for (const [given, expected] of [
      [
        'proxy http://admin:Pa/ssw0rd@proxy.contoso.local:8080 refused',
        `proxy http://${REDACTED}@proxy.contoso.local:8080 refused`,
      ],
      ['http://admin:P@ssw0rd@proxy.contoso.local:8080', `http://${REDACTED}@proxy.contoso.local:8080`],
      [
        '"proxyAddress":"http://user:p ss@h.contoso.local:3128"',
        `"proxyAddress":"http://${REDACTED}@h.contoso.local:3128"`,
      ],
      ['https://svc:Secr3t@graph.microsoft.com/v1.0/me', `https://${REDACTED}@graph.microsoft.com/v1.0/me`],
      ['PFX password hunter2 was typed', `PFX password ${REDACTED} was typed`],
    ] as const) {
      const redacted = redactor.text(given);
      expect(redacted).toBe(expected);
      for (const piece of ['Pa/ssw0rd', 'ssw0rd', 'p ss', 'Secr3t', 'hunter2']) expect(redacted).not.toContain(piece);
    }
    // Prose around a password stays readable, and a URL without credentials is untouched.
    for (const text of [
      'Type it in the PFX password field',
      'the password is kept for this run only',
      'https://graph.microsoft.com/v1.0/users/admin@contoso.com',
      'http://proxy.contoso.local:8080',
    ])
      expect(redactor.text(text)).toBe(text);
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
    const keptName =
      readdirSync(dir).find((name) => /^journal\.torn-2026-12-01T10-00-00-000Z-[0-9a-f]{6}\.txt$/.test(name)) ?? 'none';
    const kept = join(dir, keptName);
    expect(readFileSync(kept, 'utf8')).toBe('{"kind":"b","mess');
    expect(read.entries[1]?.message).toBe(
      `The journal's last line was cut short when the companion stopped; its 17 bytes are kept in ${kept}, and the journal goes on from its last whole entry.`,
    );
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
