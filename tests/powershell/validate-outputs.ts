import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptCatalogue, type ScriptName } from '../../electron/core/powershell/catalogue.ts';
import { contractIssues } from './output-contract.ts';

/**
 * Checks a folder of saved script outputs (tests/powershell/Save-ScenarioOutputs.ps1, run under
 * Windows PowerShell 5.1 in the Windows workflow) against the app's own schemas. Returns one
 * line per broken output.
 */
export function validateOutputsDir(dir: string): { checked: number; problems: string[] } {
  const problems: string[] = [];
  const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  for (const file of files) {
    const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      script: string;
      exitCode: number;
      stdout: string;
    };
    if (!Object.hasOwn(scriptCatalogue, saved.script)) {
      problems.push(`${file}: ${saved.script} is not a script the app knows`);
      continue;
    }
    for (const issue of contractIssues({
      script: saved.script as ScriptName,
      exitCode: saved.exitCode,
      stdout: saved.stdout,
    }))
      problems.push(`${file}: ${issue}`);
  }
  if (files.length === 0) problems.push(`${dir} holds no saved outputs`);
  return { checked: files.length, problems };
}

// `node dist/tests/validate-script-outputs.mjs <dir>`
if (process.argv[1]?.endsWith('validate-script-outputs.mjs')) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: validate-script-outputs <folder of saved outputs>\n');
    process.exit(2);
  }
  const { checked, problems } = validateOutputsDir(dir);
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  process.stdout.write(
    `${checked} script output(s) checked against the app's schemas: ${problems.length ? `${problems.length} problem(s)` : 'all keep the contract'}.\n`,
  );
  process.exitCode = problems.length ? 1 : 0;
}
