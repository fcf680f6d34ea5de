import { randomUUID } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { buildApi, type Api } from '../contract/api.ts';
import type { Envelope } from '../contract/channels.ts';
import { stepIds, type StepOutcome } from '../contract/model.ts';
import type { Companion } from '../core/companion.ts';
import { toFailure } from '../core/errors.ts';
import { createGateway, type Gateway, type Sender } from '../core/ipc/gateway.ts';
import type { SignInWindow } from '../core/ports.ts';
import {
  EXIT,
  type CliContext,
  type Command,
  type Io,
  type OptionSpec,
  type SecretRun,
  type Values,
} from './command.ts';
import { COMMANDS, commandNamed } from './commands/index.ts';
import { failureText, outcomeText } from './format.ts';
import { GLOBAL_OPTIONS, commandHelp, helpText, usageOf } from './help.ts';
import { pasteSignInWindow } from './paste-sign-in.ts';

export { EXIT, type Io } from './command.ts';

/** --help: written from the command modules (cli/commands/), so it lists what they take. */
export const HELP = helpText();

const CLI_ORIGIN = 'cli://local';

function cliSender(io: Io, json: boolean, verbose: boolean): Sender {
  return {
    frameUrl: `${CLI_ORIGIN}/`,
    isMainFrame: true,
    contentsId: 1,
    emit(event) {
      // The table lists every check at the end; live, only what needs attention is worth a line.
      const routine = event.check && (event.check.status === 'pass' || event.check.status === 'skipped');
      // The outcome is printed once, on stdout, when the command ends: never on both streams.
      if (event.outcome) return;
      if ((!json && !routine) || verbose)
        io.err(`${event.level === 'info' || event.check ? '' : `${event.level}: `}${event.message}`);
    },
  };
}

function parserOptions(specs: Readonly<Record<string, OptionSpec>>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.multiple ? { multiple: true } : {}),
        ...(spec.short ? { short: spec.short } : {}),
      },
    ]),
  );
}

const TAKES_VALUE = new Set(
  [GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options)].flatMap((specs) =>
    Object.entries(specs)
      .filter(([, spec]) => spec.type === 'string')
      .map(([name]) => name),
  ),
);

/** An option the command does not take, said in words, with the one probably meant. */
function unknownOption(error: unknown, word: string | undefined, command: Command | undefined): string | null {
  if ((error as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return null;
  const given = /'(-[^']*)'/.exec((error as Error).message)?.[1];
  if (!given) return null;
  const near = nearest(given.replace(/^-+/, ''), Object.keys({ ...GLOBAL_OPTIONS, ...(command?.options ?? {}) }));
  const what = command ? `an option of the ${word} command` : 'an option';
  return `${given} is not ${what}.${near ? ` Did you mean --${near}?` : ''}`;
}

/** The known word closest to a typed one, when it is close enough to be a typo. */
function nearest(typed: string, known: readonly string[]): string | undefined {
  return known
    .map((word) => ({ word, distance: editDistance(typed, word) }))
    .filter((candidate) => candidate.distance <= Math.max(1, Math.floor(candidate.word.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0]?.word;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The command word: the first word that is not an option (or an option's value). */
function commandWord(argv: string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] ?? '';
    if (word === '--') return argv[index + 1];
    if (!word.startsWith('-')) return word;
    // An option that takes a value takes the next word, unless given as --name=value.
    const name = word.replace(/^-+/, '').split('=')[0] ?? '';
    if (!word.includes('=') && TAKES_VALUE.has(name)) index += 1;
  }
  return undefined;
}

export async function runCli(
  argv: string[],
  io: Io,
  version: string,
  makeCompanion: (options: { dataDir?: string; signInWindow?: SignInWindow }) => Companion,
): Promise<number> {
  const word = commandWord(argv);
  const command: Command | undefined = word ? commandNamed(word) : undefined;
  // A mistyped command is said as such, before its options are judged against no command at all.
  if (word && !command && word !== 'help') {
    const near = nearest(
      word,
      COMMANDS.flatMap((candidate) => candidate.names),
    );
    io.err(`Unknown command: ${word}.${near ? ` Did you mean ${near}?` : ''}`);
    io.err('Run ndes-companion --help for usage.');
    return EXIT.usage;
  }
  let values: Values;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: parserOptions({ ...GLOBAL_OPTIONS, ...(command?.options ?? {}) }),
    });
    values = parsed.values;
    positionals = parsed.positionals;
  } catch (error) {
    io.err(`${unknownOption(error, word, command) ?? (error as Error).message}\nRun ndes-companion --help for usage.`);
    return EXIT.usage;
  }
  if (values.help === true || word === 'help') {
    // `<command> --help` and `help <command>`: that command alone.
    const about = command ?? (word === 'help' && positionals[1] ? commandNamed(positionals[1]) : undefined);
    io.out(about ? commandHelp(about) : HELP);
    return EXIT.ok;
  }
  // Asking for the version must not open the journal or the state of this machine.
  if (values.version === true) {
    io.out(version);
    return EXIT.ok;
  }
  const args = positionals.slice(1);
  const fixed = command?.args.oneOf;
  if (!command) {
    io.err('No command given.');
    io.err('Run ndes-companion --help for usage.');
    return EXIT.usage;
  }
  if (
    args.length < command.args.min ||
    args.length > command.args.max ||
    (fixed && fixed !== stepIds && !fixed.includes(args[0] ?? ''))
  ) {
    // What the command takes, not the whole help: its usage, and where its options are.
    io.err(`Incomplete or unknown arguments: ${positionals.join(' ')}`);
    io.err(usageOf(command));
    io.err(`Run ndes-companion ${word} --help for its options.`);
    return EXIT.usage;
  }
  if (fixed === stepIds && !fixed.includes(args[0] ?? '')) {
    io.err(`Unknown step "${args[0]}". Steps: ${stepIds.join(', ')}`);
    return EXIT.usage;
  }
  const str = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const flag = (name: string): boolean => values[name] === true;
  const list = (name: string): string[] => {
    const value = values[name];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  };
  const dataDir = str('data-dir');
  let companion: Companion;
  try {
    companion = makeCompanion({ ...(dataDir ? { dataDir } : {}), signInWindow: pasteSignInWindow(io) });
  } catch (error) {
    io.err(`The companion could not start: ${(error as Error).message}`);
    return EXIT.failed;
  }
  try {
    const gateway: Gateway = createGateway(companion.handlers, {
      origin: CLI_ORIGIN,
      isKnownContents: (id) => id === 1,
    });
    const json = flag('json');
    const sender = cliSender(io, json, flag('verbose'));
    const apiFor = (over: Sender): Api =>
      buildApi(
        (channel, request) => gateway.dispatch(over, channel, request),
        () => () => undefined,
      );
    const api = apiFor(sender);
    const pairs: [string, string][] = [];
    for (const pair of list('input')) {
      const at = pair.indexOf('=');
      if (at <= 0) {
        io.err(`--input takes name=value, got "${pair}".`);
        return EXIT.usage;
      }
      pairs.push([pair.slice(0, at), pair.slice(at + 1)]);
    }
    const usage = (message: string, hint = false): number => {
      io.err(message);
      if (hint) io.err('Run ndes-companion --help for usage.');
      return EXIT.usage;
    };
    // A step that ran but did not pass is a failure for scripts too (exit 1), with its remedy.
    const outcome = (result: Envelope<StepOutcome>): number => {
      if (json) io.out(JSON.stringify(result, null, 2));
      else if (result.ok) io.out(outcomeText(result.value));
      else io.err(failureText(result.error));
      if (!result.ok) return result.error.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
      return result.value.status === 'failed' ? EXIT.failed : EXIT.ok;
    };
    /**
     * A step run with Ctrl+C handled as the wizard's Cancel: the first asks the runbook to cancel
     * it, which it refuses (and says why) while the step is changing the server; the second ends
     * the command at once (exit 130), leaving what the step started to finish, for verify to read.
     */
    const interruptibly = async (start: (runId: string) => Promise<Envelope<StepOutcome>>): Promise<number> => {
      const runId = `cli-${randomUUID()}`;
      let presses = 0;
      let stopNow: () => void = () => undefined;
      const stopped = new Promise<'stopped'>((resolve) => {
        stopNow = () => resolve('stopped');
      });
      const onInterrupt = () => {
        presses += 1;
        if (presses > 1) {
          io.err(
            'Stopped at the second Ctrl+C. What the step started may still be finishing: run verify for this step to see where it stands.',
          );
          stopNow();
          return;
        }
        void api.runbook.cancel({ runId }).then((answer) => {
          const value = answer.ok ? answer.value : null;
          if (value?.cancelled) io.err('Cancelling the step (Ctrl+C).');
          else
            io.err(
              `Not stopped: ${value?.reason ?? (answer.ok ? 'the step had already ended.' : answer.error.message)} Press Ctrl+C again to end the command now; what the step started is left to finish.`,
            );
        });
      };
      process.on('SIGINT', onInterrupt);
      try {
        const result = await Promise.race([start(runId), stopped]);
        return result === 'stopped' ? EXIT.interrupted : outcome(result);
      } finally {
        process.removeListener('SIGINT', onInterrupt);
      }
    };
    const whatIf = flag('what-if');
    const secrets: SecretRun = {
      readFromStdin: async () =>
        (await io.readStdin?.())
          ?.split(/\r?\n/)
          .find((line) => line.trim() !== '')
          ?.trim() ?? null,
      // Called on the core directly: a secret never travels through a channel a window can use.
      run: (stepId, inputs, given) =>
        interruptibly((runId) =>
          companion.runbook
            .run(stepId, inputs, runId, (event) => sender.emit(event), whatIf, given)
            .then(
              (value): Envelope<StepOutcome> => ({ ok: true, value }),
              (error: unknown): Envelope<StepOutcome> => ({ ok: false, error: toFailure(error) }),
            ),
        ),
    };
    const context: CliContext = {
      io,
      command: word ?? '',
      args,
      values,
      // fromEntries keeps a name like __proto__ as data, so the gateway's schema sees and refuses it.
      inputs: Object.fromEntries(pairs),
      json,
      whatIf,
      companion,
      api,
      quietApi: apiFor(cliSender(io, true, false)),
      secrets,
      str,
      flag,
      list,
      emit: (result, human) => {
        if (json) io.out(JSON.stringify(result, null, 2));
        else if (result.ok) io.out(human(result.value));
        else io.err(failureText(result.error));
        return result.ok ? EXIT.ok : EXIT.failed;
      },
      outcome,
      interruptibly,
      usage,
    };
    return await command.run(context);
  } finally {
    companion.close();
  }
}
