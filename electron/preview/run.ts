import type { Edges } from '../compose.ts';
import { composeCompanion } from '../compose.ts';
import type { AppFiles } from '../platform/app-files.ts';
import { attachPreview } from './host.ts';
import { launchChromium } from './launch.ts';
import { previewSignInWindow, previewSystemBrowser } from './sign-in-page.ts';

/**
 * The Chromium preview host over the edges it is given: `npm start` passes the production ones,
 * `npm run lab` the lab's. Headed when there is a display; otherwise headless, and it says so.
 */
export async function runPreview(options: {
  files: AppFiles;
  edges: Edges;
  headed: boolean;
  onStop?: () => Promise<void>;
}): Promise<void> {
  const { files, edges, headed } = options;
  const companion = composeCompanion({
    host: 'preview',
    version: files.version,
    scriptsDir: files.scriptsDir,
    openExternal: async (url) => {
      process.stdout.write(`Open in your browser: ${url}\n`);
      return false;
    },
    edges,
    signInWindow: previewSignInWindow({ headed, ...(edges.signInBrowser ?? {}) }),
    openSignInBrowser: previewSystemBrowser({ headed, ...(edges.signInBrowser ?? {}) }),
  });
  let launched;
  try {
    launched = await launchChromium({ headed });
  } catch (error) {
    companion.close();
    // One line, not Playwright's call log: what failed and what to do instead.
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    process.stderr.write(
      headed
        ? `The preview window could not open: no X server answers on DISPLAY=${process.env.DISPLAY ?? ''}. Run \`xvfb-run -a npm start\` to get one, or use the CLI (\`npm run cli -- --help\`).\n`
        : `The preview host could not start Chromium (${first}). Use the CLI instead: \`npm run cli -- --help\`.\n`,
    );
    process.exit(1);
  }
  const { context, page } = launched;
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
    await launched.close();
    await options.onStop?.();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  page.on('close', () => void stop());
  launched.onGone(() => void stop());
}
