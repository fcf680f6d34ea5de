// @ts-check
/**
 * Builds every bundle the hosts run, offline and without Electron's binary:
 *   dist/renderer/   Svelte app (Vite)
 *   dist/main/       Electron main (ESM), dist/preload/index.cjs (one CommonJS file, sandbox-safe)
 *   dist/preview/    preview host launcher + the page bridge
 *   dist/cli/        ndes-companion CLI
 *   dist/lab/        the lab world (our scripts run in PowerShell over the fake Windows)
 *   dist/tools/    start, lab and bench launchers
 * Usage: node tools/build.mjs [all|node|renderer|cli]
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const what = process.argv[2] ?? 'all';
// ESM bundles still meet CommonJS dependencies (msal-node) that call require().
const requireShim =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

// What the runner checks every script against before it runs one elevated (script-integrity.ts).
const scriptsDir = fileURLToPath(new URL('../scripts/powershell/', import.meta.url));
const scriptHashes = Object.fromEntries(
  readdirSync(scriptsDir)
    .filter((file) => file.endsWith('.ps1'))
    .sort()
    .map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(scriptsDir + file))
        .digest('hex'),
    ]),
);

/**
 * msal-node's Azure Arc managed-identity source takes ProgramData and ProgramFiles from the
 * environment, which a standard user can set for an elevated app. The companion signs in as a
 * public client and never uses a managed identity, so that source is replaced by one that
 * never applies: the shipped bundles read no system path from the environment.
 */
/** @type {import('esbuild').Plugin} */
const noAzureArc = {
  name: 'no-azure-arc-managed-identity',
  setup(builder) {
    builder.onResolve({ filter: /ManagedIdentitySources[\\/]AzureArc\.mjs$/ }, () => ({
      path: 'azure-arc',
      namespace: 'no-azure-arc',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'no-azure-arc' }, () => ({
      contents:
        'export class AzureArc { static getEnvironmentVariables() { return [undefined, undefined]; } static tryCreate() { return null; } }',
      loader: 'js',
    }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const nodeEsm = {
  plugins: [noAzureArc],
  define: { __SCRIPT_HASHES__: JSON.stringify(scriptHashes) },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  banner: { js: requireShim },
  // msal-node-extensions loads its DPAPI binding relative to its own files, so it stays a
  // package beside the bundle (electron-builder ships and unpacks its native parts).
  external: ['electron', 'playwright-core', '@playwright/test', '@azure/msal-node-extensions'],
};

const cli = () =>
  build({
    ...nodeEsm,
    entryPoints: ['electron/cli/index.ts'],
    outfile: 'dist/cli/ndes-companion.mjs',
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
  });

const nodeBundles = () =>
  Promise.all([
    cli(),
    build({ ...nodeEsm, entryPoints: ['electron/main/index.ts'], outfile: 'dist/main/index.mjs' }),
    build({
      ...nodeEsm,
      entryPoints: ['electron/preload/index.ts'],
      outfile: 'dist/preload/index.cjs',
      format: 'cjs',
      banner: {},
      target: 'chrome140',
      platform: 'browser',
    }),
    build({ ...nodeEsm, entryPoints: ['electron/preview/start.ts'], outfile: 'dist/preview/start.mjs' }),
    build({
      ...nodeEsm,
      entryPoints: ['electron/preview/bridge.ts'],
      outfile: 'dist/preview/bridge.js',
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      banner: {},
      sourcemap: false,
    }),
    build({ ...nodeEsm, entryPoints: ['tests/lab/main.ts'], outfile: 'dist/lab/lab.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tests/lab/cli.ts'], outfile: 'dist/lab/cli.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tools/start.ts'], outfile: 'dist/tools/start.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tools/bench.ts'], outfile: 'dist/tools/bench.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tools/test.ts'], outfile: 'dist/tools/test.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tools/report-schema.ts'], outfile: 'dist/tools/report-schema.mjs' }),
    build({ ...nodeEsm, entryPoints: ['tools/cli-docs.ts'], outfile: 'dist/tools/cli-docs.mjs' }),
    // TypeScript's own parser reads the imports; it stays a package, not bundled.
    build({
      ...nodeEsm,
      entryPoints: ['tools/check-import-loops.ts'],
      outfile: 'dist/tools/check-import-loops.mjs',
      external: ['typescript'],
    }),
    build({
      ...nodeEsm,
      entryPoints: ['tests/powershell/validate-outputs.ts'],
      outfile: 'dist/tests/validate-script-outputs.mjs',
    }),
  ]);

async function renderer() {
  const { build: viteBuild } = await import('vite');
  await viteBuild({
    configFile: fileURLToPath(new URL('../renderer/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
  });
}

if (what === 'all') {
  rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
  mkdirSync(new URL('../dist', import.meta.url), { recursive: true });
  await Promise.all([nodeBundles(), renderer()]);
} else if (what === 'node') await nodeBundles();
else if (what === 'renderer') await renderer();
else if (what === 'cli') await cli();
else {
  console.error(`unknown build target ${what}: use all, node, renderer or cli`);
  process.exit(2);
}
