// Stands in for "NDES Proxy Companion.exe" beside the launcher: says what it was started with,
// the arguments line and the rest of its standard input, and exits with the code they name.
import { readFileSync } from 'node:fs';

const stdin = readFileSync(0, 'utf8');
const newline = stdin.indexOf('\n');
const args = JSON.parse(stdin.slice(0, newline));
process.stdout.write(`${JSON.stringify({ argv: process.argv.slice(2), args, cwd: process.cwd() })}\n`);
process.stderr.write(`stdin:${JSON.stringify(stdin.slice(newline + 1))}\n`);
const code = args.find((arg) => arg.startsWith('exit='));
process.exit(code ? Number(code.slice(5)) : 0);
