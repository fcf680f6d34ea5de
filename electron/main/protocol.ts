import { protocol } from 'electron';
import { serveRendererFile } from '../core/security/renderer-files.ts';
import { APP_HOST, APP_SCHEME } from './window-options.ts';

/** Must run before `app.ready` (docs/reference/electron.md §2.1, checklist item 18: a custom protocol instead of file://). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const file = await serveRendererFile(rendererDir, url.pathname);
    return new Response(new Uint8Array(file.body), { status: file.status, headers: file.headers });
  });
}
