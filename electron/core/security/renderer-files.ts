import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { RENDERER_HEADERS, mimeType } from './csp.ts';

export interface ServedFile {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Resolves a request path under the built renderer and refuses anything that would escape
 * it (`..`, encoded separators, absolute paths). Shared by the app:// protocol and the
 * preview host, so both serve exactly the same bytes with the same headers.
 */
export async function serveRendererFile(rendererDir: string, requestPath: string): Promise<ServedFile> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return notFound();
  }
  const wanted = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  if (wanted.includes('\0') || wanted.includes('\\')) return notFound();
  const full = normalize(join(rendererDir, wanted));
  const rel = relative(rendererDir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) return notFound();
  try {
    const body = await readFile(full);
    return { status: 200, headers: { ...RENDERER_HEADERS, 'Content-Type': mimeType(full) }, body };
  } catch {
    return notFound();
  }
}

function notFound(): ServedFile {
  return {
    status: 404,
    headers: { ...RENDERER_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    body: Buffer.from('Not found'),
  };
}
