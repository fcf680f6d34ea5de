// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './renderer/svelte.config.js';

const electronImport = {
  paths: [
    {
      name: 'electron',
      message:
        'Only electron/main and electron/preload may import electron (it downloads its binary when evaluated outside Electron).',
    },
  ],
  patterns: [{ group: ['electron/*'], message: 'Only electron/main and electron/preload may import electron.' }],
};

const electronSyntax = [
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value='electron']",
    message: 'Only electron/main and electron/preload may load electron.',
  },
  {
    selector: "ImportExpression[source.value='electron']",
    message: 'Only electron/main and electron/preload may load electron.',
  },
];

/** How the core, the platform and the CLI start processes: argv, never a shell or -Command. */
const processSyntax = [
  {
    selector: "Property[key.name='shell'][value.value=true]",
    message: 'Never run a process through a shell: pass argv.',
  },
  { selector: "Literal[value='-Command']", message: 'Run scripts with -File and argv, never -Command.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', electronImport],
      'no-restricted-syntax': ['error', ...electronSyntax],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['electron/main/**', 'electron/preload/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    // The contract and the renderer run where Node does not: no node: modules there; the renderer
    // reaches the rest only through the contract (the preload's API and its types).
    files: ['electron/contract/**', 'renderer/src/**', 'electron/preview/bridge.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronImport.paths,
          patterns: [
            ...electronImport.patterns,
            { group: ['node:*'], message: 'The contract and the renderer must not use Node modules.' },
            {
              regex: '^(\\.\\./)+electron/(?!contract/)',
              message: 'The renderer imports only electron/contract: everything else reaches it through the API.',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared by every layer: it depends on zod and on itself, nothing else.
    files: ['electron/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!zod$|\\./[^./])', message: 'electron/contract imports only zod and its own files.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: tseslint.parser, svelteConfig },
    },
  },
  {
    // The core depends on ports, never on the adapters behind them.
    files: ['electron/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronImport.paths,
          patterns: [
            ...electronImport.patterns,
            {
              group: ['**/platform/**'],
              message:
                'core/ imports nothing from platform/: declare a port in core and let compose.ts wire the adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/**', 'electron/platform/**', 'electron/cli/**'],
    rules: {
      'no-restricted-syntax': ['error', ...electronSyntax, ...processSyntax],
    },
  },
  {
    // The same layer rules for import(): a dynamic import is an import.
    files: ['electron/core/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...electronSyntax,
        ...processSyntax,
        {
          selector: 'ImportExpression[source.value=/platform\\//]',
          message: 'core/ imports nothing from platform/, not even with import().',
        },
      ],
    },
  },
  {
    files: ['renderer/src/**', 'electron/contract/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...electronSyntax,
        { selector: 'ImportExpression', message: 'The renderer and the contract load nothing with import().' },
      ],
    },
  },
  {
    // The preview's page bridge plays the preload's part: it may use the contract and nothing else.
    files: ['electron/preview/bridge.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronImport.paths,
          patterns: [
            ...electronImport.patterns,
            { group: ['node:*'], message: 'The page bridge runs in the page: no Node modules.' },
            { regex: '^\\.\\./(?!contract/)', message: 'The page bridge imports only electron/contract.' },
          ],
        },
      ],
    },
  },
);
