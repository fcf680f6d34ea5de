// Stands in for "NDES Proxy Companion.exe" beside the launcher: says what it was started with,
// the arguments line and the rest of its standard input, and exits with the code they name.
// With the argument "wait-interrupt" it instead waits, as a running step does, for the
// launcher's interrupt file (its first Ctrl+C), says so, and keeps running until it is stopped.
import { existsSync, readFileSync } from 'node:fs';

const chunks = [];
let seenLine = false;
process.stdin.on('data', (chunk) => {
  chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (seenLine || !text.includes('\n')) return;
  seenLine = true;
  const first = JSON.parse(text.slice(0, text.indexOf('\n')));
  const args = Array.isArray(first) ? first : first.args;
  if (!args.includes('wait-interrupt')) return;
  process.stdout.write(`waiting for ${JSON.stringify(first.interrupt)}\n`);
  const timer = setInterval(() => {
    if (!existsSync(first.interrupt)) return;
    clearInterval(timer);
    process.stdout.write(`interrupt seen: ${readFileSync(first.interrupt, 'utf8')}\n`);
    setInterval(() => undefined, 60_000);
  }, 20);
});
process.stdin.on('end', () => {
  const stdin = Buffer.concat(chunks).toString('utf8');
  const newline = stdin.indexOf('\n');
  const first = JSON.parse(stdin.slice(0, newline));
  const args = Array.isArray(first) ? first : first.args;
  if (args.includes('wait-interrupt')) return;
  process.stdout.write(
    `${JSON.stringify({ argv: process.argv.slice(2), args, cwd: process.cwd(), interrupt: first.interrupt })}\n`,
  );
  process.stderr.write(`stdin:${JSON.stringify(stdin.slice(newline + 1))}\n`);
  const code = args.find((arg) => arg.startsWith('exit='));
  process.exit(code ? Number(code.slice(5)) : 0);
});
