import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/companion.ts';

/**
 * The bundles a shipped, elevated build runs (Electron main and preload, the ndes-companion CLI)
 * obey no lab or developer switch: no NDES_COMPANION_* variable is read, and no system path is
 * taken from the environment a standard user can set for an elevated app (HKCU\Environment).
 */
const shipped = ['dist/main/index.mjs', 'dist/preload/index.cjs', 'dist/cli/ndes-companion.mjs'];

describe.each(shipped)('%s', (file) => {
  const path = join(repoRoot, file);
  it('is built', () => expect(existsSync(path), `${file}: run node tools/build.mjs all`).toBe(true));

  it('reads no NDES_COMPANION_* switch and takes no system path from the environment', () => {
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/NDES_COMPANION_/);
    expect(text).not.toMatch(/env\.(SystemRoot|windir|ProgramData|ProgramFiles|SystemDrive)\b/i);
    expect(text).not.toMatch(/env\[["'](SystemRoot|windir|ProgramData)["']\]/i);
  });

  it('carries none of the lab (its worlds, fake Windows or lab configuration)', () => {
    const text = readFileSync(path, 'utf8');
    for (const marker of ['lab.json', 'FakeWindowsHost', 'powershell-fault', 'labNames', 'LabConfigSchema'])
      expect(text).not.toContain(marker);
  });
});

describe('the lab entry points carry the lab, so the check above can fail', () => {
  it('dist/lab/cli.mjs composes lab edges', () => {
    const text = readFileSync(join(repoRoot, 'dist', 'lab', 'cli.mjs'), 'utf8');
    expect(text).toContain('labNames');
    expect(text).toContain('LabConfigSchema');
  });
});
