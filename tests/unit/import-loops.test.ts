import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importGraph, importLoops } from '../../tools/import-loops.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-import-loops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const folder = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

describe('the import-loop check (part of lint)', () => {
  it('finds a loop made only of type imports, across folders, and names every module in it', () => {
    const root = tree('typed', {
      'core/steps/step.ts':
        "import type { StepServices } from '../services.ts';\nexport interface Step { services: StepServices }\n",
      'core/services.ts':
        "import type { Report } from './report/report.ts';\nexport interface StepServices { report: Report }\n",
      'core/report/report.ts':
        "import type { Step } from '../steps/step.ts';\nexport interface Report { steps: Step[] }\n",
      'core/ports.ts': 'export type Clock = () => Date;\n',
      'core/uses-ports.ts': "import type { Clock } from './ports.ts';\nexport const now: Clock = () => new Date();\n",
    });
    const loops = importLoops(importGraph(root, ['core']));
    expect(loops.map((loop) => loop.map((file) => file.slice(root.length + 1)))).toEqual([
      ['core/report/report.ts', 'core/services.ts', 'core/steps/step.ts'],
    ]);
  });

  it('a chain without a way back is no loop, and an import from a package is not followed', () => {
    const root = tree('chain', {
      'a.ts': "import { b } from './b.ts';\nimport { z } from 'zod';\nexport const a = [b, z];\n",
      'b.ts': "export { c } from './c.ts';\nexport const b = 1;\n",
      'c.ts': 'export const c = 2;\n',
    });
    expect(importLoops(importGraph(root, ['.']))).toEqual([]);
  });

  it('a re-export closes a loop as an import does', () => {
    const root = tree('reexport', {
      'a.ts': "export { b } from './b.ts';\nexport const a = 1;\n",
      'b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
    });
    expect(importLoops(importGraph(root, ['.']))).toHaveLength(1);
  });
});
