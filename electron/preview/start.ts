import { fileURLToPath } from 'node:url';
import { productionEdges } from '../compose.ts';
import { appFiles } from '../platform/app-files.ts';
import { runPreview } from './run.ts';

/** `npm start` on a machine without Electron's binary: the same core and renderer in Debian's Chromium. */
const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
const headed =
  Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && process.env.NDES_COMPANION_HEADLESS !== '1';
void runPreview({ files, edges: productionEdges(), headed }).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
