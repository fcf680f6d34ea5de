/** Parameter names declared in the script's param() block, as PowerShell would bind them. */
export function declaredParameters(scriptText: string): string[] {
  const start = scriptText.search(/\bparam\s*\(/i);
  if (start < 0) return [];
  let depth = 0;
  let end = start;
  for (let i = scriptText.indexOf('(', start); i < scriptText.length; i += 1) {
    if (scriptText[i] === '(') depth += 1;
    if (scriptText[i] === ')') depth -= 1;
    if (depth === 0) {
      end = i;
      break;
    }
  }
  const block = scriptText.slice(start, end);
  return [...block.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? '').filter((name) => name !== 'true' && name !== 'false');
}
