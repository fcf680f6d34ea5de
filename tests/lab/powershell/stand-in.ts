import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { declaredParameters } from './params.ts';
import { ScenarioSchema, type StandInRecord } from './scenario.ts';

/**
 * The lab's PowerShell: started exactly as the runner starts powershell.exe (same argv after
 * its own two options), it checks the argv the way Windows PowerShell would, records what it
 * was given, and answers from the scenario file.
 *
 *   node stand-in.mjs --scenario <file.json> --record <file.jsonl> -NoProfile ... -File <script> -Name value
 */
const REQUIRED_SWITCHES = ['-NoProfile', '-NonInteractive'];

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function takeOption(argv: string[], name: string): string {
  const index = argv.indexOf(name);
  const value = index >= 0 ? argv[index + 1] : undefined;
  if (value === undefined) fail(`lab stand-in: missing ${name}`, 2);
  argv.splice(index, 2);
  return value;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const scenarioFile = takeOption(argv, '--scenario');
  const recordFile = takeOption(argv, '--record');
  const original = [...argv];

  for (const required of REQUIRED_SWITCHES) if (!argv.includes(required)) fail(`lab stand-in: the runner did not pass ${required}`, 2);
  const policyIndex = argv.indexOf('-ExecutionPolicy');
  if (policyIndex < 0 || argv[policyIndex + 1] !== 'Bypass') fail('lab stand-in: the runner did not pass -ExecutionPolicy Bypass', 2);
  const fileIndex = argv.indexOf('-File');
  if (fileIndex < 0) fail('lab stand-in: only -File invocations are allowed (never -Command)', 2);
  if (argv.includes('-Command') || argv.includes('-EncodedCommand')) fail('lab stand-in: -Command is never allowed', 2);
  const scriptPath = argv[fileIndex + 1];
  if (!scriptPath || !existsSync(scriptPath)) fail(`The argument '${scriptPath ?? ''}' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.`, 64);

  const declared = declaredParameters(readFileSync(scriptPath, 'utf8'));
  const params: Record<string, string | true> = {};
  const rest = argv.slice(fileIndex + 2);
  for (let i = 0; i < rest.length; i += 1) {
    const token = rest[i] ?? '';
    if (!token.startsWith('-')) fail(`A positional parameter cannot be found that accepts argument '${token}'.`);
    const name = token.slice(1);
    const match = declared.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!match) fail(`${basename(scriptPath)} : A parameter cannot be found that matches parameter name '${name}'.`);
    const next = rest[i + 1];
    if (next !== undefined && !next.startsWith('-')) {
      params[match] = next;
      i += 1;
    } else {
      params[match] = true;
    }
  }

  const stdin = await readStdin();
  const script = basename(scriptPath);
  const record: StandInRecord = { at: new Date().toISOString(), script, params, argv: original, stdin };
  appendFileSync(recordFile, `${JSON.stringify(record)}\n`);

  const scenario = ScenarioSchema.parse(JSON.parse(readFileSync(scenarioFile, 'utf8')));
  const answer = scenario.scripts[script];
  if (!answer) fail(`lab stand-in: scenario "${scenario.name}" has no answer for ${script}`);

  for (const line of answer.progress) process.stdout.write(`::progress:: ${line}\r\n`);
  if (answer.hang) {
    setInterval(() => undefined, 60_000);
    return;
  }
  if (answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
  if (answer.result !== undefined) process.stdout.write(`${JSON.stringify(answer.result)}\r\n`);
  if (answer.stderr) process.stderr.write(`${answer.stderr}\r\n`);
  process.exitCode = answer.exitCode;
}

void main();
