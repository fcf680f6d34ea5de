import { fileURLToPath } from 'node:url';
import { composeCompanion, productionEdges } from '../compose.ts';
import { appFiles } from '../platform/app-files.ts';
import { runCli, type Io } from './main.ts';
import { readLine, readStdin } from './stdin.ts';

/** The `ndes-companion` entry: the CLI over the production edges. */
const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
const io: Io = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`), readStdin: () => readStdin(), readLine: () => readLine() };
process.exitCode = await runCli(process.argv.slice(2), io, files.version, ({ dataDir, signInWindow }) =>
  composeCompanion({
    host: 'cli',
    version: files.version,
    scriptsDir: files.scriptsDir,
    openExternal: async () => false,
    ...(signInWindow ? { signInWindow } : {}),
    edges: productionEdges(dataDir ? { dataDir } : {}),
  }),
);
