import type { BrowserContext, Frame, Page } from 'playwright-core';
import { channelNames } from '../contract/channels.ts';
import type { CompanionEvent } from '../contract/model.ts';
import { createGateway, type Gateway, type Handlers, type Sender } from '../core/ipc/gateway.ts';
import { serveRendererFile } from '../core/security/renderer-files.ts';

/**
 * The Chromium preview host: the built renderer in Debian's Chromium, driven by
 * playwright-core over a pipe. Files are served by `route` from an app://-like origin with
 * the same CSP as Electron's protocol; API calls go through `exposeBinding` into the same
 * gateway and handlers as the Electron host; events come back through `evaluate`.
 */
export const PREVIEW_ORIGIN = 'https://bundle.ndes-companion.invalid';
export const PREVIEW_URL = `${PREVIEW_ORIGIN}/index.html`;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface PreviewOptions {
  rendererDir: string;
  /** Built page-side bridge (dist/preview/bridge.js). */
  bridgeScript: string;
  handlers: Handlers;
  onInternalError?: (error: unknown) => void;
}

export interface PreviewSession {
  gateway: Gateway;
  /** Channels forwarded to the page, for the contract test. */
  forwardedChannels: readonly string[];
  open(page: Page): Promise<void>;
}

export async function attachPreview(context: BrowserContext, options: PreviewOptions): Promise<PreviewSession> {
  const pageIds = new WeakMap<Page, number>();
  let nextId = 1;
  const gateway = createGateway(
    options.handlers,
    { origin: PREVIEW_ORIGIN, isKnownContents: (id) => id > 0 && id < nextId },
    options.onInternalError,
  );

  // Nothing but the app's own files may load: every other request is refused, as in Electron.
  await context.route('**/*', (route) => route.abort('blockedbyclient'));
  await context.route(`${PREVIEW_ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const file = await serveRendererFile(options.rendererDir, url.pathname);
    await route.fulfill({ status: file.status, headers: file.headers, body: file.body });
  });

  await context.exposeBinding('__companionIpc', async (source, channel: unknown, payload: unknown) => {
    const sender = senderFor(source.page, source.frame, pageIds);
    return gateway.dispatch(sender, channel, payload);
  });
  await context.addInitScript({ path: options.bridgeScript });

  return {
    gateway,
    forwardedChannels: channelNames,
    async open(page) {
      pageIds.set(page, nextId);
      nextId += 1;
      page.on('popup', (popup) => void popup.close());
      await page.goto(PREVIEW_URL);
    },
  };
}

function senderFor(page: Page, frame: Frame, pageIds: WeakMap<Page, number>): Sender {
  return {
    frameUrl: frame.isDetached() ? null : frame.url(),
    isMainFrame: frame === page.mainFrame(),
    contentsId: pageIds.get(page) ?? 0,
    emit(event: CompanionEvent) {
      void page
        .evaluate((payload) => {
          const emit = (window as unknown as { __companionEmit?: (e: unknown) => void }).__companionEmit;
          emit?.(payload);
        }, event)
        .catch(() => undefined);
    },
  };
}
