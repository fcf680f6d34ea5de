import { existsSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';

/**
 * The installed app's console face: ndes-companion.exe (build/cli-launcher) starts this
 * executable with --cli alone and writes the arguments typed as the first line of its standard
 * input (a JSON object with the arguments array and the launcher's interrupt file), then relays the rest, because the runAsNode fuse is off and a windowed
 * program has no console of its own. The arguments never travel on the command line, where
 * Chromium would act on any "--switch" among them in the elevated process. Packaged, argv is
 * [exe, '--cli']; from source, [electron, app folder, '--cli'].
 */
export const CLI_SWITCH = '--cli';

export function isCliStart(argv: readonly string[], packaged: boolean): boolean {
  const at = packaged ? 1 : 2;
  return argv[at] === CLI_SWITCH && argv.length === at + 1;
}

/** At most this much is read for the arguments line: a command line on Windows is at most 32,767 characters. */
const ARGUMENTS_LIMIT = 256 * 1024;

/**
 * The arguments line and, as a stream of its own, the rest of standard input (a password piped
 * in after it). A line that is not what the launcher writes is refused, with what to do.
 */
export function readCliArguments(stdin: Readable): Promise<{ args: string[]; interrupt?: string; rest: Readable }> {
  return new Promise((resolve, reject) => {
    let taken = Buffer.alloc(0);
    const stop = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      taken = Buffer.concat([taken, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const end = taken.indexOf(0x0a);
      if (end < 0 && taken.length <= ARGUMENTS_LIMIT) return;
      stop();
      stdin.pause();
      if (end < 0)
        return reject(
          new Error(
            'No arguments line arrived on standard input. Start the CLI with ndes-companion.exe, not with --cli.',
          ),
        );
      let line: { args: string[]; interrupt?: string };
      try {
        // .NET Framework's pipe writer puts a byte-order mark first when the console's input code page is UTF-8.
        const start = taken[0] === 0xef && taken[1] === 0xbb && taken[2] === 0xbf ? 3 : 0;
        line = parseArguments(taken.subarray(start, end).toString('utf8'));
      } catch (error) {
        return reject(error instanceof Error ? error : new Error(String(error)));
      }
      // What came after the line, then the rest of stdin as it arrives, in one stream for the CLI.
      const rest = new PassThrough();
      rest.write(taken.subarray(end + 1));
      stdin.pipe(rest);
      resolve({ ...line, rest });
    };
    const onEnd = () => {
      stop();
      reject(
        new Error(
          'No arguments line arrived on standard input. Start the CLI with ndes-companion.exe, not with --cli.',
        ),
      );
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
  });
}

/**
 * The file whose appearance is the launcher's first Ctrl+C: in its own temporary folder on a
 * local drive (never a share the elevated app would reach out to), a name nobody guesses.
 */
const INTERRUPT_FILE =
  /^(?:[A-Za-z]:\\(?:[^\\/:*?"<>|\r\n]+\\)*|\/(?:[^/\0]+\/)*)ndes-companion-interrupt-[0-9a-f]{32}$/;

/**
 * The launcher's first line: {"args":[…],"interrupt":"<file>"} (or, from an older launcher, the
 * bare array). Anything else is refused, with what to do.
 */
function parseArguments(line: string): { args: string[]; interrupt?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = null;
  }
  const isStrings = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (isStrings(parsed)) return { args: parsed };
  const object = parsed && typeof parsed === 'object' ? (parsed as { args?: unknown; interrupt?: unknown }) : null;
  if (
    !object ||
    !isStrings(object.args) ||
    (object.interrupt !== undefined && (typeof object.interrupt !== 'string' || !INTERRUPT_FILE.test(object.interrupt)))
  ) {
    throw new Error(
      'The arguments line on standard input is not what ndes-companion.exe writes. Start the CLI with ndes-companion.exe.',
    );
  }
  return { args: object.args, ...(typeof object.interrupt === 'string' ? { interrupt: object.interrupt } : {}) };
}

/**
 * The launcher's first Ctrl+C, heard: the companion, a windowed program, gets no console
 * signal, so the launcher creates its interrupt file instead (its second Ctrl+C ends the
 * companion itself). When the file appears, `onInterrupt` runs once (the CLI then cancels the
 * step as the window's Cancel does). Only looks at the file.
 */
export function watchInterrupt(file: string, onInterrupt: () => void, everyMs = 200): { stop(): void } {
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    clearInterval(timer);
    onInterrupt();
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
