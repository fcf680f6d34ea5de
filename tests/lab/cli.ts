import { fileURLToPath } from 'node:url';
import { composeCliCompanion } from '../../electron/compose.ts';
import { EXIT, runCli } from '../../electron/cli/main.ts';
import { readLine, readStdin } from '../../electron/cli/stdin.ts';
import { appFiles } from '../../electron/platform/app-files.ts';
import { labEdges, readLabConfig } from './edges.ts';

/**
 * The lab's own CLI entry (dist/lab/cli.mjs, never shipped): the same CLI over the lab world that
 * `--lab <lab.json>` names, which npm run lab writes and prints.
 *   node dist/lab/cli.mjs --lab .lab/lab.json check --internal-url http://ndes01.contoso.local/
 */
const argv = process.argv.slice(2);
if (argv[0] !== '--lab' || !argv[1]) {
  process.stderr.write('usage: node dist/lab/cli.mjs --lab <lab.json> <ndes-companion command and options>\n');
  process.exit(2);
}
const config = readLabConfig(argv[1]);
const files = appFiles(fileURLToPath(new URL('../..', import.meta.url)));
const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
  readStdin: () => readStdin(),
  readLine: () => readLine(),
};
const code = await runCli(argv.slice(2), io, files.version, ({ dataDir, signInWindow }) =>
  composeCliCompanion({
    version: files.version,
    scriptsDir: files.scriptsDir,
    ...(dataDir ? { dataDir } : {}),
    ...(signInWindow ? { signInWindow } : {}),
    edges: (folder) => ({ ...labEdges(config), ...(folder ? { dataDir: folder } : {}) }),
  }),
);
// As the shipped CLI: a second Ctrl+C ends the command now.
if (code === EXIT.interrupted) process.exit(code);
process.exitCode = code;
