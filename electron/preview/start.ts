import { fileURLToPath } from 'node:url';
import { appFiles } from '../platform/app-files.ts';
import { composeCompanion } from '../platform/compose.ts';
import { attachPreview } from './host.ts';
import { launchChromium } from './launch.ts';

/**
 * `npm start` on a machine without Electron's binary: the same core and renderer in
 * Debian's Chromium. Headed when there is a display; otherwise headless, and it says so.
 */
async function main(): Promise<void> {
  const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
  const headed = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && process.env.NDES_COMPANION_HEADLESS !== '1';
  const companion = composeCompanion({
    host: 'preview',
    version: files.version,
    scriptsDir: files.scriptsDir,
    openExternal: async (url) => {
      process.stdout.write(`Open in your browser: ${url}\n`);
      return false;
    },
  });
  const { browser, context, page } = await launchChromium({ headed });
  const session = await attachPreview(context, {
    rendererDir: files.rendererDir,
    bridgeScript: files.bridgeScript,
    handlers: companion.handlers,
    onInternalError: (error) => process.stderr.write(`internal error: ${String(error)}\n`),
  });
  await session.open(page);
  process.stdout.write(
    headed
      ? 'NDES Proxy Companion is open in a Chromium window (preview host). Close the window or press Ctrl+C to stop.\n'
      : 'No display here: the preview host runs headless. Use `xvfb-run -a npm start` to see the window. Press Ctrl+C to stop.\n',
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    companion.close();
    await browser.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  page.on('close', () => void stop());
  browser.on('disconnected', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
