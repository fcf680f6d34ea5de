import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCliStart, readCliArguments, watchInterrupt } from '../../electron/main/cli-mode.ts';
import { until } from '../helpers/until.ts';
import { readStdin } from '../../electron/cli/stdin.ts';

describe('the installed app started as the CLI (--cli)', () => {
  it('is the CLI only when --cli is the one argument, packaged or from source', () => {
    expect(isCliStart(['C:\\Program Files\\NDES Proxy Companion\\NDES Proxy Companion.exe', '--cli'], true)).toBe(true);
    expect(isCliStart(['electron', '.', '--cli'], false)).toBe(true);
    expect(isCliStart(['C:\\Program Files\\NDES Proxy Companion\\NDES Proxy Companion.exe'], true)).toBe(false);
    // Arguments on the command line would be Chromium's to read: not the CLI's way in.
    expect(isCliStart(['app.exe', '--cli', 'steps'], true)).toBe(false);
    expect(isCliStart(['app.exe', '--resume-after-restart', '--cli'], true)).toBe(false);
  });

  it('takes the arguments from the first line of standard input and hands the rest on whole', async () => {
    const stdin = Readable.from([
      Buffer.from('["publish","--pfx-password-stdin","--custom-domain","nd'),
      Buffer.from('es.contoso.com"]\nPfx-Passw0rd\n'),
      Buffer.from('more'),
    ]);
    const { args, rest } = await readCliArguments(stdin);
    expect(args).toEqual(['publish', '--pfx-password-stdin', '--custom-domain', 'ndes.contoso.com']);
    expect(await readStdin(rest)).toBe('Pfx-Passw0rd\nmore');
  });

  it('reads past the byte-order mark .NET Framework writes first on a UTF-8 console', async () => {
    const { args } = await readCliArguments(
      Readable.from([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('["steps","--json"]\n')]),
    );
    expect(args).toEqual(['steps', '--json']);
  });

  it("takes the launcher's interrupt file beside the arguments: its own name in a temporary folder, nothing else", async () => {
    const interrupt =
      'C:\\Users\\admin\\AppData\\Local\\Temp\\ndes-companion-interrupt-0123456789abcdef0123456789abcdef';
    const line = `${JSON.stringify({ args: ['install', 'C:\\x.exe'], interrupt })}\n`;
    expect(await readCliArguments(Readable.from([Buffer.from(line)]))).toMatchObject({
      args: ['install', 'C:\\x.exe'],
      interrupt,
    });
    // Any other file would let the arguments line name what the elevated app watches.
    await expect(
      readCliArguments(
        Readable.from([
          Buffer.from(`${JSON.stringify({ args: ['steps'], interrupt: 'C:\\Windows\\System32\\config\\SAM' })}\n`),
        ]),
      ),
    ).rejects.toThrow('not what ndes-companion.exe writes');
    // Nor a share, which the elevated app would reach out to with the admin's credentials.
    await expect(
      readCliArguments(
        Readable.from([
          Buffer.from(
            `${JSON.stringify({ args: ['steps'], interrupt: '\\\\evil\\share\\ndes-companion-interrupt-0123456789abcdef0123456789abcdef' })}\n`,
          ),
        ]),
      ),
    ).rejects.toThrow('not what ndes-companion.exe writes');
  });

  it('refuses anything but what the launcher writes, and a missing line, with what to do', async () => {
    await expect(readCliArguments(Readable.from([Buffer.from('steps --json\n')]))).rejects.toThrow(
      'not what ndes-companion.exe writes. Start the CLI with ndes-companion.exe.',
    );
    await expect(readCliArguments(Readable.from([Buffer.from('["steps", 7]\n')]))).rejects.toThrow(
      'not what ndes-companion.exe writes',
    );
    await expect(readCliArguments(Readable.from([Buffer.from('{"args":["steps"],"interrupt":7}\n')]))).rejects.toThrow(
      'not what ndes-companion.exe writes',
    );
    await expect(readCliArguments(Readable.from([]))).rejects.toThrow('No arguments line arrived on standard input.');
  });

  it("hears the launcher's interrupt file once, when it appears, and only looks at it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndes-interrupt-'));
    const file = join(dir, 'ndes-companion-interrupt-0123456789abcdef0123456789abcdef');
    let heard = 0;
    const watch = watchInterrupt(file, () => (heard += 1), 20);
    try {
      writeFileSync(file, 'Ctrl+C');
      await until(() => heard === 1, 'the first Ctrl+C');
      expect(readFileSync(file, 'utf8')).toBe('Ctrl+C');
    } finally {
      watch.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
