import { describe, expect, it } from 'vitest';
import { explorerCommand, openLinkDeElevated } from '../../electron/platform/open-link.ts';

/** Help links leave the elevated app through the desktop's Explorer, never as its own child. */
describe('opening a help link from the elevated app', () => {
  it('hands the link to Explorer from the kernel-named Windows folder, as one argument, no shell', async () => {
    const ran: { file: string; args: string[] }[] = [];
    const opened = await openLinkDeElevated('https://learn.microsoft.com/entra/identity/app-proxy/?a=1&b="x"', {
      windowsFolder: () => 'C:\\Windows',
      exists: () => true,
      run: async (file, args) => void ran.push({ file, args }),
    });
    expect(opened).toBe(true);
    expect(ran).toEqual([
      {
        file: 'C:\\Windows\\explorer.exe',
        args: ['https://learn.microsoft.com/entra/identity/app-proxy/?a=1&b=%22x%22'],
      },
    ]);
    expect(explorerCommand('https://x.example/', 'D:\\WINDOWS').file).toBe('D:\\WINDOWS\\explorer.exe');
  });

  it('without Explorer (Server Core) opens nothing and says so, and never anything but https', async () => {
    const ran: string[] = [];
    const deps = {
      windowsFolder: () => 'C:\\Windows',
      exists: () => false,
      run: async (file: string) => void ran.push(file),
    };
    expect(await openLinkDeElevated('https://learn.microsoft.com/', deps)).toBe(false);
    expect(await openLinkDeElevated('file:///C:/Windows/System32/cmd.exe', { ...deps, exists: () => true })).toBe(
      false,
    );
    expect(ran).toEqual([]);
  });
});
