import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliReference } from '../electron/cli/reference.ts';

/** `npm run cli-docs`: writes docs/cli.md from the CLI's command modules. */
const target = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));
writeFileSync(target, cliReference());
process.stdout.write('docs/cli.md written.\n');
