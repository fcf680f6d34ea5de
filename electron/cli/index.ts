import { fileURLToPath } from 'node:url';
import { composeCliCompanion } from '../compose.ts';
import { appFiles } from '../platform/app-files.ts';
import { EXIT, runCli } from './main.ts';
import { processIo } from './process-io.ts';

/** The `ndes-companion` entry: the CLI over the production edges. */
const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
const code = await runCli(process.argv.slice(2), processIo(), files.version, ({ dataDir, signInWindow }) =>
  composeCliCompanion({
    version: files.version,
    scriptsDir: files.scriptsDir,
    ...(dataDir ? { dataDir } : {}),
    ...(signInWindow ? { signInWindow } : {}),
  }),
);
// A second Ctrl+C ends the command now, even while what the step started is still finishing.
if (code === EXIT.interrupted) process.exit(code);
process.exitCode = code;
