import { describe, expect, it } from 'vitest';
import { cliArguments } from '../../electron/main/cli-mode.ts';

describe('the installed app started as the CLI (--cli)', () => {
  it('takes --cli only in first place, packaged or from source, and hands on the rest untouched', () => {
    expect(cliArguments(['C:\\Program Files\\NDES Proxy Companion\\NDES Proxy Companion.exe', '--cli', 'runbook', '--offline'], true)).toEqual(['runbook', '--offline']);
    expect(cliArguments(['electron', '.', '--cli', 'steps', '--json'], false)).toEqual(['steps', '--json']);
    expect(cliArguments(['C:\\Program Files\\NDES Proxy Companion\\NDES Proxy Companion.exe'], true)).toBeNull();
    // Anywhere else it is not the CLI switch: the window opens, and the CLI never sees it.
    expect(cliArguments(['app.exe', '--resume-after-restart', '--cli'], true)).toBeNull();
    expect(cliArguments(['electron', '--cli', 'steps'], false)).toBeNull();
  });
});
