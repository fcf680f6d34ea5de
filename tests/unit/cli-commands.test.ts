import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../electron/cli/commands/index.ts';
import { GLOBAL_OPTIONS } from '../../electron/cli/help.ts';
import { cliReference } from '../../electron/cli/reference.ts';
import { repoRoot } from '../helpers/companion.ts';

const commandsDir = join(repoRoot, 'electron', 'cli', 'commands');

describe('the CLI command modules', () => {
  it('docs/cli.md is what the command modules say (npm run cli-docs writes it)', () => {
    expect(readFileSync(join(repoRoot, 'docs', 'cli.md'), 'utf8')).toBe(cliReference());
  });

  it('every option a command reads is one it declares (the parser refuses any other, so an undeclared one would always be empty)', () => {
    for (const file of ['steps.ts', 'connector.ts', 'account.ts', 'cloud.ts', 'paperwork.ts', 'check.ts']) {
      const source = readFileSync(join(commandsDir, file), 'utf8');
      // Each command's own object, from its declaration to the next one.
      const parts = source.split(/export const (\w+): Command = /).slice(1);
      for (let index = 0; index < parts.length; index += 2) {
        const name = parts[index] ?? '';
        const body = parts[index + 1] ?? '';
        const command = COMMANDS.find((candidate) =>
          body.includes(`names: [${candidate.names.map((word) => `'${word}'`).join(', ')}]`),
        );
        expect(command, `${file}: ${name} is in COMMANDS`).toBeDefined();
        const read = [...body.matchAll(/context\.(?:str|flag|list)\('([a-z-]+)'\)/g)].map((match) => match[1] ?? '');
        const declared = new Set([...Object.keys(GLOBAL_OPTIONS), ...Object.keys(command?.options ?? {})]);
        expect(
          read.filter((option) => !declared.has(option)),
          `${file}: ${name}`,
        ).toEqual([]);
      }
    }
  });

  it('no two commands answer to the same word', () => {
    const words = COMMANDS.flatMap((command) => command.names);
    expect(words.filter((word, index) => words.indexOf(word) !== index)).toEqual([]);
  });
});
