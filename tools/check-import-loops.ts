import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKED_FOLDERS, importGraph, importLoops } from './import-loops.ts';

/**
 * `node dist/tools/check-import-loops.mjs`, part of lint: prints each import loop with its
 * modules and exits 1, or says there is none. Its own entry, so nothing decides whether it runs.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const loops = importLoops(importGraph(root, [...CHECKED_FOLDERS]));
for (const loop of loops)
  process.stdout.write(
    `Import loop of ${loop.length} modules (each reaches itself through the others; cut one edge, e.g. by moving a shared type to ports.ts or to the module both need):\n${loop.map((file) => `  ${relative(root, file)}`).join('\n')}\n`,
  );
if (loops.length) process.exitCode = 1;
else
  process.stdout.write(
    `No import loops in ${CHECKED_FOLDERS.join(', ')} (TypeScript modules; .svelte components are not read).\n`,
  );
