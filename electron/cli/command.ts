import type { Envelope } from '../contract/channels.ts';
import type { Api } from '../contract/api.ts';
import type { StepId, StepOutcome } from '../contract/model.ts';
import type { Companion } from '../core/companion.ts';
import type { StepSecrets } from '../core/steps/step.ts';

/** What the CLI prints to and reads from: the process's streams, or a test's. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, for a secret given with --token-stdin. */
  readStdin?(): Promise<string>;
  /** One line of standard input: the address the registration sign-in ended on, pasted. */
  readLine?(): Promise<string | null>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3, tenantNotReady: 4, interrupted: 130 } as const;

/** One option, as --help and docs/cli.md show it and as the parser reads it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help, e.g. "U" for --internal-url U. */
  value?: string;
  help: string;
}

export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/**
 * The one way a secret given to the CLI reaches a step: read from standard input, handed to the
 * core directly (never through the gateway, a channel a window can use), for that run only.
 */
export interface SecretRun {
  /** The first non-empty line of standard input; null when there was none (the command says so). */
  readFromStdin(): Promise<string | null>;
  run(stepId: StepId, inputs: Record<string, string>, secrets: StepSecrets): Promise<number>;
}

/** What a command runs with: the parsed command line, the typed API, and the ways it answers. */
export interface CliContext {
  io: Io;
  /** The command word as typed, and the words after it. */
  command: string;
  args: readonly string[];
  values: Values;
  /** --input name=value pairs (the generic steps' inputs). */
  inputs: Record<string, string>;
  json: boolean;
  whatIf: boolean;
  companion: Companion;
  /** The contract's API over the gateway, progress streamed to stderr. */
  api: Api;
  /** The same API with progress kept quiet (a read the command makes for itself). */
  quietApi: Api;
  secrets: SecretRun;
  str(name: string): string | undefined;
  flag(name: string): boolean;
  list(name: string): string[];
  /** Prints a result (JSON or the human form); exit 0 or 1. */
  emit<T>(result: Envelope<T>, human: (value: T) => string): number;
  /** Prints a step's outcome; a step that ran but did not pass is exit 1, bad input exit 2. */
  outcome(result: Envelope<StepOutcome>): number;
  /** Runs a step with Ctrl+C as the wizard's Cancel (a second Ctrl+C ends the command, exit 130). */
  interruptibly(start: (runId: string) => Promise<Envelope<StepOutcome>>): Promise<number>;
  /** Says what was wrong with the command line (and, with hint, where usage is); exit 2. */
  usage(message: string, hint?: boolean): number;
}

/** One CLI command: its words, its help, its options and what it does. */
export interface Command {
  /** The words that select it (login, logout and whoami share one module). */
  names: readonly string[];
  /** Usage lines after "ndes-companion ", each with what it does, for --help and docs/cli.md. */
  usage: readonly { line: string; text: string }[];
  /** What docs/cli.md says about it beyond the usage (Markdown lines). */
  notes?: readonly string[];
  /** The options this command takes besides the global ones. */
  options: Readonly<Record<string, OptionSpec>>;
  /** The words after the command: how many, and which when they are fixed. */
  args: { min: number; max: number; oneOf?: readonly string[] };
  run(context: CliContext): Promise<number>;
}
