// Stands in for "NDES Proxy Companion.exe" beside the launcher: says what it was started with
// and what came on its standard input, and exits with the code its arguments name.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
process.stdout.write(`${JSON.stringify({ args, cwd: process.cwd() })}\n`);
const input = args.includes('read-stdin') ? readFileSync(0, 'utf8') : '';
process.stderr.write(`stdin:${JSON.stringify(input)}\n`);
const code = args.find((arg) => arg.startsWith('exit='));
process.exit(code ? Number(code.slice(5)) : 0);
