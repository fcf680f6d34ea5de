import { fileURLToPath } from 'node:url';
import { composeCliCompanion } from '../compose.ts';
import { appFiles } from '../platform/app-files.ts';
import { runCli } from './main.ts';
import { processIo } from './process-io.ts';

/** The `ndes-companion` entry: the CLI over the production edges. */
const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
process.exitCode = await runCli(process.argv.slice(2), processIo(), files.version, ({ dataDir, signInWindow }) =>
  composeCliCompanion({ version: files.version, scriptsDir: files.scriptsDir, ...(dataDir ? { dataDir } : {}), ...(signInWindow ? { signInWindow } : {}) }),
);
