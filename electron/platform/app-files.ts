import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the app's own files are when it runs from this repository (preview host, CLI, lab).
 * Bundles live in dist/<host>/, so the root is two folders up from any of them.
 */
export interface AppFiles {
  root: string;
  rendererDir: string;
  scriptsDir: string;
  bridgeScript: string;
  version: string;
}

export function appFiles(root: string): AppFiles {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    root,
    rendererDir: join(root, 'dist', 'renderer'),
    scriptsDir: join(root, 'scripts', 'powershell'),
    bridgeScript: join(root, 'dist', 'preview', 'bridge.js'),
    version: pkg.version,
  };
}
