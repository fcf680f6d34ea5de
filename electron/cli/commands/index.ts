import type { Command } from '../command.ts';
import { accountCommand } from './account.ts';
import { checkCommand } from './check.ts';
import { connectorsCommand, intuneCommand, publishCommand } from './cloud.ts';
import { connectorCommand, installCommand, proxyCommand, registerCommand } from './connector.ts';
import { resumeCommand, restartCommand, runbookCommand, supportBundleCommand } from './paperwork.ts';
import { hostCommand, planCommand, runCommand, stepsCommand } from './steps.ts';

/** Every command, in the order --help and docs/cli.md list them. */
export const COMMANDS: readonly Command[] = [
  stepsCommand,
  planCommand,
  runCommand,
  hostCommand,
  installCommand,
  registerCommand,
  proxyCommand,
  accountCommand,
  resumeCommand,
  runbookCommand,
  restartCommand,
  supportBundleCommand,
  connectorsCommand,
  publishCommand,
  intuneCommand,
  connectorCommand,
  checkCommand,
];

export function commandNamed(word: string): Command | undefined {
  return COMMANDS.find((command) => command.names.includes(word));
}
