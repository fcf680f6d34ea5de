import type { Readable } from 'node:stream';
import type { Io } from './main.ts';
import { readLine, readStdin } from './stdin.ts';

/** The CLI's input and output on this process's streams; standard input from `stdin` (the installed app reads fd 0). */
export function processIo(stdin: Readable = process.stdin): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    readStdin: () => readStdin(stdin),
    readLine: () => readLine(stdin),
  };
}
