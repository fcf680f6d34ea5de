import { ScriptErrorSchema, scriptCatalogue, type ScriptName } from '../../electron/core/powershell/catalogue.ts';

/**
 * The one output contract of our scripts, checked against the zod schemas the app parses with
 * (electron/core/powershell/catalogue.ts): the lab's runs on Linux and the Windows PowerShell 5.1
 * outputs the Windows workflow saves are validated by this same function.
 */
export interface ScriptOutputRun {
  script: ScriptName;
  exitCode: number;
  stdout: string;
}

const RESULT = '::result::';

/** Windows PowerShell 5.1's ConvertTo-Json writes a PSObject-wrapped array as {"value":[…],"Count":n}. */
function wrappedArrays(value: unknown, path: string, found: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => wrappedArrays(item, `${path}[${index}]`, found));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (
    keys.length === 2 &&
    keys.includes('value') &&
    keys.includes('Count') &&
    Array.isArray((value as { value: unknown }).value)
  )
    found.push(path || '(root)');
  for (const [key, inner] of Object.entries(value)) wrappedArrays(inner, path ? `${path}.${key}` : key, found);
}

/** Every way the run breaks the contract; an empty list means it keeps it. */
export function contractIssues(run: ScriptOutputRun): string[] {
  // Any other line (a warning, a host line from a cmdlet or a Microsoft script) is a message the
  // companion shows; the result is the one line behind "::result:: ".
  const lines = run.stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
  const documents = lines.filter((line) => line.startsWith(RESULT));
  if (documents.length !== 1)
    return [`expected one "${RESULT} " line with the JSON document on stdout, found ${documents.length}`];
  const text = (documents[0] ?? '').slice(RESULT.length).trim();
  const issues: string[] = [];
  if (/[^\x20-\x7e]/.test(text))
    issues.push('the document is not printable ASCII (non-ASCII text must be \\u-escaped)');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return [...issues, `the document is not JSON: ${(error as Error).message}`];
  }
  const wrapped: string[] = [];
  wrappedArrays(document, '', wrapped);
  for (const path of wrapped)
    issues.push(`${path} is an array written as {"value":[...],"Count":n} (Windows PowerShell 5.1 type data)`);
  const schema = run.exitCode === 0 ? scriptCatalogue[run.script].output : ScriptErrorSchema;
  const parsed = schema.safeParse(document);
  if (!parsed.success)
    for (const issue of parsed.error.issues) issues.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  if (run.exitCode !== 0 && run.exitCode !== 1)
    issues.push(`exit code ${run.exitCode}: scripts exit 0 with a result or 1 with an error document`);
  return issues;
}
