import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumArgs } from '../../electron/preview/launch.ts';
import { repoRoot } from '../helpers/companion.ts';

describe('the preview host, started by hand', () => {
  // An X display is a Linux question: on Windows Chrome opens its window without one.
  it.runIf(process.platform === 'linux')(
    'without a display it says in one line what to do instead, and exits 1',
    () => {
      // A display number nothing listens on: what a server reached over a terminal has.
      const result = spawnSync(process.execPath, [join(repoRoot, 'dist', 'preview', 'start.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, DISPLAY: ':97', WAYLAND_DISPLAY: '' },
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/no X server answers on DISPLAY=:97\. Run `xvfb-run -a npm start`/);
    },
  );

  it('opens its window as an app window (no tabs, no address bar), and a headless page as a plain one', () => {
    expect(chromiumArgs(true).some((arg) => arg.startsWith('--app='))).toBe(true);
    expect(chromiumArgs(false).some((arg) => arg.startsWith('--app='))).toBe(false);
  });
});
