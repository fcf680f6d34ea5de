import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isCliStart, readCliArguments } from '../../electron/main/cli-mode.ts';
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
    const stdin = Readable.from([Buffer.from('["publish","--pfx-password-stdin","--custom-domain","nd'), Buffer.from('es.contoso.com"]\nPfx-Passw0rd\n'), Buffer.from('more')]);
    const { args, rest } = await readCliArguments(stdin);
    expect(args).toEqual(['publish', '--pfx-password-stdin', '--custom-domain', 'ndes.contoso.com']);
    expect(await readStdin(rest)).toBe('Pfx-Passw0rd\nmore');
  });

  it('reads past the byte-order mark .NET Framework writes first on a UTF-8 console', async () => {
    const { args } = await readCliArguments(Readable.from([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('["steps","--json"]\n')]));
    expect(args).toEqual(['steps', '--json']);
  });

  it('refuses anything but a JSON array of strings, and a missing line, with what to do', async () => {
    await expect(readCliArguments(Readable.from([Buffer.from('steps --json\n')]))).rejects.toThrow('not a JSON array of strings. Start the CLI with ndes-companion.exe.');
    await expect(readCliArguments(Readable.from([Buffer.from('["steps", 7]\n')]))).rejects.toThrow('not a JSON array of strings');
    await expect(readCliArguments(Readable.from([]))).rejects.toThrow('No arguments line arrived on standard input.');
  });
});
