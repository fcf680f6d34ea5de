import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start`: Electron where its binary is installed; otherwise the Chromium preview host,
 * with one line saying why. Never loads the electron npm module itself (loading it outside Electron tries to download the binary).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

function electronBinary(): string | null {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const electron = electronBinary();
const [command, args] = electron
  ? [electron, [root]]
  : [process.execPath, [join(root, 'dist', 'preview', 'start.mjs')]];
if (!electron) {
  process.stdout.write(
    "Electron's binary is not installed here (it cannot be downloaded on this machine), so the app starts in the Chromium preview host.\n",
  );
}
const child = spawn(command, args, { stdio: 'inherit', env: process.env });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
