import { stepIds } from '../contract/model.ts';
import type { Command, OptionSpec } from './command.ts';
import { COMMANDS } from './commands/index.ts';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: {
    type: 'boolean',
    help: 'Print one JSON document on stdout: {"ok":true,"value":...} or {"ok":false,"error":{code,message,remediation}}.',
  },
  verbose: { type: 'boolean', help: 'Stream every progress line to stderr, passing checks included.' },
  'data-dir': {
    type: 'string',
    value: 'D',
    help: 'Keep state.json and journal.jsonl in D instead of the default (%ProgramData%\\NDES Proxy Companion on Windows, found from the OS).',
  },
  help: { type: 'boolean', short: 'h', help: 'This help.' },
  version: { type: 'boolean', short: 'v', help: "The companion's version." },
};

const COLUMN = 48;
const WIDTH = 118;

function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** A usage line and what it does: the text beside a short line, under a long one. */
function usageLines(command: Command): string[] {
  const out: string[] = [];
  for (const { line, text } of command.usage) {
    const head = line.startsWith(' ') ? `${' '.repeat(24)}${line.trim()}` : `  ndes-companion ${line}`;
    const words = text ? wrap(text, COLUMN, COLUMN) : [];
    if (head.length < COLUMN - 1 && words.length) {
      out.push(`${head.padEnd(COLUMN)}${words[0] ?? ''}`, ...words.slice(1).map((w) => `${' '.repeat(COLUMN)}${w}`));
    } else out.push(head, ...words.map((w) => `${' '.repeat(COLUMN)}${w}`));
  }
  return out;
}

/** Each option once; one that means something else to another command says which command. */
function optionLines(): string[] {
  const seen = new Map<string, { spec: OptionSpec; commands: string[] }[]>();
  const add = (name: string, spec: OptionSpec, command: string) => {
    const entries = seen.get(name) ?? [];
    const same = entries.find((entry) => entry.spec.help === spec.help);
    if (same) same.commands.push(command);
    else entries.push({ spec, commands: [command] });
    seen.set(name, entries);
  };
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) add(name, spec, '');
  for (const command of COMMANDS)
    for (const [name, spec] of Object.entries(command.options)) add(name, spec, command.names.join('/'));
  const out: string[] = [];
  for (const [name, entries] of seen)
    for (const { spec, commands } of entries)
      out.push(...optionLine(name, spec, entries.length > 1 && commands[0] ? commands.join(', ') : ''));
  return out;
}

function optionLine(name: string, spec: OptionSpec, who: string): string[] {
  const head = `  --${name}${spec.value ? ` ${spec.value}` : ''}`;
  const words = wrap(who ? `${who}: ${spec.help.charAt(0).toLowerCase()}${spec.help.slice(1)}` : spec.help, 24, 24);
  return head.length < 23
    ? [`${head.padEnd(24)}${words[0] ?? ''}`, ...words.slice(1).map((w) => `${' '.repeat(24)}${w}`)]
    : [head, ...words.map((w) => `${' '.repeat(24)}${w}`)];
}

/** One command's usage: what `ndes-companion <command> --help` prints. */
export function usageOf(command: Command): string {
  return ['Usage:', ...usageLines(command)].join('\n');
}

/** `ndes-companion <command> --help`: that command's usage and the options it takes. */
export function commandHelp(command: Command): string {
  const options = Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).filter(
    ([name]) => name !== 'help' && name !== 'version',
  );
  return [usageOf(command), '', 'Options:', ...options.flatMap(([name, spec]) => optionLine(name, spec, ''))].join(
    '\n',
  );
}

export const EXAMPLES = [
  'login --device-code',
  'publish --internal-url https://ndes01.contoso.local/ --group NDES --what-if',
  'publish --internal-url https://ndes01.contoso.local/',
  'intune list --external-url https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll',
  'intune apply --profiles 0f0e2c56-7b1a-4d7e-9c33-5d2b1e7a9f10 --what-if',
  'intune rollback --what-if',
] as const;

const TAIL = `check --json prints {"ok":true,"value":{"runId","startedAt","finishedAt","verdict","passed","notes":[...],
  "results":[{"id","group","title","severity","status","evidence":[...],"cause","remediation","skip","docUrl","durationMs"}]}}
  results worst first; group is host|ndes|outbound|scep-internal|scep-external; severity critical|warning|info;
  status pass|fail|warn|skipped; a skipped check has skip not-applicable|could-not-run|cancelled and says
  why in cause; verdict is ready|not-ready|incomplete (passed is verdict = ready). Fields are only ever added,
  never renamed.

Exit codes:
  0  success (for check: Ready, no critical check failed and every critical check ran)
  1  the step, check or plan failed (for check: Not ready, a critical check failed), or this host cannot do it
  2  bad usage (unknown command, step or option, or a URL the input rules refuse)
  3  check only: Incomplete, no critical check failed but one could not run (Windows PowerShell missing,
     a fact Windows would not give, the run cancelled); the report says which and why. Never read as
     ready. When PowerShell is there but refused, blocked, crashed or too slow, its own check fails (1).
     resume: a step could not be verified (its status is left as it was).
  4  login and whoami only: signed in (and the sign-in is saved), but the tenant is not ready for the cloud
     steps (a role, a licence, or application proxy turned off); the lines marked FAIL say what to do.
  130 a second Ctrl+C during a step: the command ended at once; what the step started is left to finish
     (verify the step). A first Ctrl+C cancels the step, or says why not while it is changing the server.

The companion reads no environment variable: what it runs (Windows PowerShell, system paths)
comes from the OS. Rehearsing against the lab uses the lab's own CLI entry (npm run lab prints it).
`;

/** --help, written from the command modules. */
export function helpText(): string {
  return [
    'ndes-companion: publish NDES through Microsoft Entra application proxy, step by step.',
    '',
    'Usage:',
    ...COMMANDS.flatMap(usageLines),
    '  ndes-companion --help | --version',
    '',
    'Examples (each one the commands accept as written):',
    ...EXAMPLES.map((example) => `  ndes-companion ${example}`),
    '',
    `Steps: ${stepIds.join(', ')}`,
    '',
    'Options:',
    ...optionLines(),
    '',
    TAIL,
  ].join('\n');
}
