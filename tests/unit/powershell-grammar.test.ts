import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { scriptCatalogue } from '../../electron/core/powershell/catalogue.ts';
import { declaredParameters } from '../lab/powershell/params.ts';
import { repoRoot } from '../helpers/companion.ts';

/** The shipped scripts parse with a real PowerShell grammar (tree-sitter-powershell), no error nodes. */
const dir = join(repoRoot, 'scripts', 'powershell');
const scripts = readdirSync(dir).filter((file) => file.endsWith('.ps1'));
let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  parser = new Parser();
  parser.setLanguage(await Language.load(join(repoRoot, 'node_modules', 'tree-sitter-powershell', 'tree-sitter-powershell.wasm')));
});

function problems(source: string): string[] {
  const tree = parser.parse(source);
  const found: string[] = [];
  const walk = (node: Node) => {
    if (node.type === 'ERROR' || node.isMissing) found.push(`${node.isMissing ? 'missing' : 'error'} at ${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${node.text.slice(0, 60)}`);
    for (const child of node.children) if (child) walk(child);
  };
  if (tree) walk(tree.rootNode);
  return found;
}

describe('PowerShell scripts', () => {
  it('the grammar reports broken PowerShell (the check can fail)', () => {
    expect(problems('function Broken { if ($x -eq { }').length).toBeGreaterThan(0);
  });

  it.each(scripts)('%s parses without error nodes', (file) => {
    expect(problems(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
  });

  it.each(scripts)('%s has comment help, CmdletBinding and no Invoke-Expression', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text).toMatch(/<#[\s\S]*\.SYNOPSIS[\s\S]*#>/);
    expect(text).toContain('[CmdletBinding(');
    expect(text).not.toMatch(/Invoke-Expression|\biex\b/i);
  });

  it('every catalogued script ships, with exactly the parameters the catalogue declares', () => {
    for (const entry of Object.values(scriptCatalogue)) {
      const text = readFileSync(join(dir, entry.file), 'utf8');
      expect(declaredParameters(text).sort()).toEqual(Object.keys(entry.params).sort());
    }
  });
});
