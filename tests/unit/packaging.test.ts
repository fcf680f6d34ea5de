import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSION_PERSISTENCE_FILES } from '../../electron/core/cloud/token-cache.ts';
import { repoRoot } from '../helpers/companion.ts';

const config = JSON.parse(readFileSync(join(repoRoot, 'build', 'electron-builder.json'), 'utf8')) as Record<
  string,
  unknown
> & {
  win: { requestedExecutionLevel: string; target: { target: string; arch: string[] }[] };
  nsis: { perMachine: boolean; allowToChangeInstallationDirectory: boolean; oneClick: boolean };
  extraResources: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  asar: boolean;
  asarUnpack: string[];
  npmRebuild?: boolean;
  extraFiles: { from: string; to: string; filter: string[] }[];
  files: string[];
};

describe('electron-builder configuration', () => {
  it('is valid against the schema that ships inside electron-builder (offline)', () => {
    const schema = JSON.parse(
      readFileSync(join(repoRoot, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'),
    ) as object;
    // The same options electron-builder itself validates with.
    const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false });
    const validate = ajv.compile(schema);
    const { $schema: _schema, ...rest } = config;
    const valid = validate(rest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a config the schema does not allow (the check can fail)', () => {
    const schema = JSON.parse(
      readFileSync(join(repoRoot, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'),
    ) as object;
    const validate = new Ajv({ allErrors: true, coerceTypes: true, strict: false }).compile(schema);
    expect(validate({ ...config, $schema: undefined, win: { requestedExecutionLevel: 'asRoot' } })).toBe(false);
  });

  it('installs per machine under Program Files, elevated, and builds no portable exe', () => {
    // A portable exe unpacks into the user's temp folder, which that user can write: the scripts
    // run elevated from there could be swapped. The installer's fixed Program Files folder cannot.
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config).not.toHaveProperty('portable');
    expect(config.nsis.perMachine).toBe(true);
    expect(config.nsis.allowToChangeInstallationDirectory).toBe(false);
    expect(config.win.requestedExecutionLevel).toBe('requireAdministrator');
  });

  it('ships the PowerShell scripts beside app.asar, where powershell.exe can read them', () => {
    expect(config.asar).toBe(true);
    expect(config.extraResources).toEqual([{ from: 'scripts/powershell', to: 'powershell', filter: ['**/*.ps1'] }]);
    for (const resource of config.extraResources) expect(existsSync(join(repoRoot, resource.from))).toBe(true);
  });

  it('turns off the fuses that would turn the elevated binary into a general runtime', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packages the built bundles the main entry points at', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/index.mjs');
    expect(config.files).toContain('dist/main/**');
    expect(existsSync(join(repoRoot, pkg.main))).toBe(true);
    expect(existsSync(join(repoRoot, 'dist', 'preload', 'index.cjs'))).toBe(true);
  });

  it('ships the token cache DPAPI binding outside app.asar, where Windows can load it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // A production dependency, so electron-builder copies it (the bundles leave it external).
    expect(Object.keys(pkg.dependencies)).toContain('@azure/msal-node-extensions');
    const extension = join(repoRoot, 'node_modules', '@azure', 'msal-node-extensions');
    // The bundle loads the two file persistences from the extension's own files, never its index.
    expect(readFileSync(join(repoRoot, 'dist', 'main', 'index.mjs'), 'utf8')).not.toMatch(
      /import\("@azure\/msal-node-extensions"\)/,
    );
    for (const file of EXTENSION_PERSISTENCE_FILES) expect(existsSync(join(extension, file)), file).toBe(true);
    expect(existsSync(join(extension, 'bin', 'x64', 'dpapi.node'))).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/@azure/msal-node-extensions/bin/**');
    // dpapi.node is a Node-API module, prebuilt by Microsoft, which loads in Electron as it is:
    // no rebuild (which would need a compiler and Electron's headers on the build machine).
    expect(config.npmRebuild).toBe(false);
  });

  it("builds no native code on install: keytar (the extension's Linux and macOS keychains) is neither built nor shipped", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.allowScripts['keytar']).toBe(false);
    expect(existsSync(join(repoRoot, 'node_modules', 'keytar', 'build'))).toBe(false);
    expect(config.files).toContain('!**/node_modules/keytar/**');
    expect(config.asarUnpack.some((pattern) => pattern.includes('keytar'))).toBe(false);
    // The persistences the companion loads reach neither keytar nor the broker's native runtime.
    const extension = join(repoRoot, 'node_modules', '@azure', 'msal-node-extensions', 'dist');
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      // Static imports and re-exports, dynamic imports and requires: every way a module loads another.
      for (const [, target] of readFileSync(file, 'utf8').matchAll(
        /(?:^(?:import|export) [^;]*? from |\bimport\(|\brequire\()\s*['"]([^'"]+)['"]/gm,
      )) {
        expect(target, `${file} imports ${target}`).not.toMatch(/keytar|msal-node-runtime/);
        if (target?.startsWith('.')) visit(join(dirname(file), target));
      }
    };
    for (const file of EXTENSION_PERSISTENCE_FILES) visit(join(extension, '..', file));
    expect(reached.size).toBeGreaterThan(3);
  });

  it('carries ndes-companion.exe, the console launcher for the CLI, beside the app (runAsNode stays off)', () => {
    expect(config.extraFiles).toContainEqual({
      from: 'build/cli-launcher/out',
      to: '.',
      filter: ['ndes-companion.exe', 'ndes-companion.exe.config'],
    });
    expect(config.electronFuses.runAsNode).toBe(false);
    const project = readFileSync(join(repoRoot, 'build', 'cli-launcher', 'CliLauncher.csproj'), 'utf8');
    // .NET Framework 4.8 is in every supported Windows Server: nothing else to install.
    expect(project).toContain('<TargetFramework>net48</TargetFramework>');
    expect(project).toContain('<AssemblyName>ndes-companion</AssemblyName>');
    // asInvoker: it checks for administrator rights itself, in the console it was started from.
    expect(readFileSync(join(repoRoot, 'build', 'cli-launcher', 'app.manifest'), 'utf8')).toContain(
      'level="asInvoker"',
    );
    // The Windows workflow builds it into the folder electron-builder takes it from, before packaging.
    const workflow = readFileSync(join(repoRoot, '.github', 'workflows', 'windows.yml'), 'utf8');
    expect(workflow.indexOf('-o build/cli-launcher/out')).toBeGreaterThan(0);
    expect(workflow.indexOf('-o build/cli-launcher/out')).toBeLessThan(workflow.indexOf('npx electron-builder'));
  });
});
