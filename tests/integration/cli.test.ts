import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepIds } from '../../electron/contract/model.ts';
import { LAB_EXTERNAL_URL, LAB_INTERNAL_URL, LAB_TENANT_ID, startLabWorld } from '../lab/world.ts';
import { repoRoot } from '../helpers/companion.ts';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../electron/preview/host.ts';
import { findChromium } from '../../electron/preview/launch.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = join(repoRoot, 'dist', 'cli', 'ndes-companion.mjs');
const labCli = join(repoRoot, 'dist', 'lab', 'cli.mjs');

/**
 * Runs the built CLI with its own data folder: the package's `ndes-companion` bin, or, given a
 * lab world, the lab's CLI entry (the same CLI over the lab's edges).
 */
function argvFor(args: string[], lab?: { cliArgs: string[] }): string[] {
  return [...(lab ? [labCli, ...lab.cliArgs] : [cli]), ...args, '--data-dir', join(dir, 'data')];
}

function run(args: string[], lab?: { cliArgs: string[] }) {
  const result = spawnSync(process.execPath, argvFor(args, lab), { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runAsync(
  args: string[],
  lab?: { cliArgs: string[] },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argvFor(args, lab));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ndes-companion CLI', () => {
  it('steps --json lists the ten steps in order', () => {
    const { code, stdout } = run(['steps', '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { ok: true; value: { steps: { id: string }[] } };
    expect(parsed.ok).toBe(true);
    expect(parsed.value.steps.map((step) => step.id)).toEqual([...stepIds]);
  });

  it('steps prints a table a person can read', () => {
    const { code, stdout } = run(['steps']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^#\s+id\s+title/m);
    expect(stdout).toMatch(/^4\s+registration\s+Registration\s+cloud\s+not-started$/m);
    expect(stdout).toMatch(/^10\s+report\s+Report\s+local\s+not-started$/m);
    expect(stdout).toMatch(/^1\s+readiness\s+Readiness\s+local\s+not-started$/m);
  });

  it('plan shows the exact command with the inputs given', () => {
    const { code, stdout } = run([
      'plan',
      'connector-install',
      '--input',
      'installerPath=C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Install-Connector.ps1 -InstallerPath C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe',
    );
    expect(stdout).toContain(
      '"C:\\ProgramData\\NDES Proxy Companion\\Installers\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe" REGISTERCONNECTOR="false" /q',
    );
    expect(stdout).toContain('changes the system');
  });

  it('plan --offline turns a cloud step into portal steps without changing the saved mode', () => {
    const offline = run(['plan', 'publish', '--offline', '--json']);
    expect(offline.code).toBe(0);
    const plan = JSON.parse(offline.stdout) as { value: { mode: string; actions: { kind: string; detail: string }[] } };
    expect(plan.value.mode).toBe('offline');
    expect(plan.value.actions.every((action) => action.kind === 'manual')).toBe(true);
    expect(plan.value.actions.map((action) => action.detail).join(' ')).toContain('Pre Authentication: Passthrough');
    const again = JSON.parse(run(['plan', 'publish', '--json']).stdout) as { value: { mode: string } };
    expect(again.value.mode).toBe('guided');
  });

  it('run report writes the runbook into a folder of its own; verify finds it; a relative folder is refused (exit 2)', () => {
    const folder = join(dir, 'report-run');
    const { code, stdout } = run(['run', 'report', '--input', `folder=${folder}`, '--input', 'formats=markdown,json']);
    expect(code).toBe(0);
    expect(stdout).toContain(`The runbook is in ${folder}: runbook.md, runbook.json.`);
    expect(readFileSync(join(folder, 'runbook.md'), 'utf8')).toContain('## Back-out plan');
    expect(run(['verify', 'report']).code).toBe(0);
    const refused = run(['run', 'report', '--input', 'folder=reports']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('The folder must be a full path');
  });

  it.each([
    [['frobnicate']],
    [['plan']],
    [['plan', 'no-such-step']],
    [['steps', 'extra']],
    [['plan', 'publish', '--input', 'novalue']],
    [['steps', '--no-such-flag']],
    [[]],
  ])('exits 2 on bad usage: %j', (args) => {
    const { code, stderr } = run(args);
    expect(code).toBe(2);
    expect(stderr.length).toBeGreaterThan(0);
  });

  it('rejects a bad input through the same gateway as the window', () => {
    const { code, stderr } = run(['plan', 'publish', '--input', '__proto__=x']);
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_REQUEST');
  });

  it('an option another command takes is refused by name, with the one probably meant, before anything runs (exit 2)', () => {
    const other = run(['check', '--cloud', 'usgov']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--cloud is not an option of the check command.');
    const typo = run(['steps', '--jsn']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--jsn is not an option of the steps command. Did you mean --json?');
    expect(typo.stdout).toBe('');
    const mistyped = run(['publsh', '--internal-url', 'https://ndes01.contoso.local/']);
    expect(mistyped.code).toBe(2);
    expect(mistyped.stderr).toContain('Unknown command: publsh. Did you mean publish?');
    // A command without what it needs says its own usage, not the whole help.
    const missing = run(['intune']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Incomplete or unknown arguments: intune');
    expect(missing.stderr).toContain('ndes-companion intune list|apply|rollback');
    expect(missing.stderr).not.toContain('ndes-companion publish');
    const both = run(['proxy', 'http://proxy.contoso.local:8080', '--undo']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('proxy takes either the address to set');
  });

  it('<command> --help and help <command> print that command alone, with its options', () => {
    for (const argv of [
      ['check', '--help'],
      ['help', 'check'],
    ]) {
      const { code, stdout } = run(argv);
      expect(code).toBe(0);
      expect(stdout).toContain('ndes-companion check [--internal-url U]');
      expect(stdout).toContain('--long-url-kb N');
      expect(stdout).toContain('--data-dir D');
      expect(stdout).not.toContain('ndes-companion publish');
      expect(stdout).not.toContain('Exit codes:');
    }
  });

  it('--help documents commands and exit codes', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes:');
    for (const command of ['steps', 'plan', 'run', 'verify', 'host'])
      expect(stdout).toContain(`ndes-companion ${command}`);
  });

  it("host answers from the lab's PowerShell over the fake Windows", async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'lab'),
      scenario: 'not-elevated',
      servers: false,
    });
    const { code, stdout, stderr } = run(['host'], lab);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'CONN02: Microsoft Windows Server 2019 Standard (build 17763), NOT elevated: run as administrator',
    );
    expect(stderr).toContain('Checking elevation');
  });

  // On Windows the real Windows PowerShell is there, so this case only exists elsewhere.
  it.runIf(process.platform !== 'win32')(
    'check without PowerShell is Incomplete (exit 3), never Ready, and says why',
    async () => {
      const lab = await startLabWorld({
        root: repoRoot,
        dir: join(dir, 'lab-missing'),
        scenario: 'powershell-missing',
      });
      const { code, stdout } = await runAsync(['check', '--tenant-id', LAB_TENANT_ID], lab).finally(() => lab.close());
      expect(code).toBe(3);
      expect(stdout).toMatch(/^SKIP\s+critical\s+host\s+Windows Server 2016 or later$/m);
      expect(stdout).toMatch(
        /SKIP Windows Server 2016 or later \[host\.os\] \(could not run\)\n {2}Why:\s+Could not run: PowerShell could not read this server/,
      );
      expect(stdout).toMatch(/^Incomplete: \d+ critical check\(s\) could not run/m);
      expect(stdout).not.toMatch(/^Ready/m);
    },
  );

  it.runIf(process.platform !== 'win32')('host without PowerShell says so (exit 1)', () => {
    const { code, stderr } = run(['host']);
    expect(code).toBe(1);
    expect(stderr).toContain('POWERSHELL_UNAVAILABLE');
  });
});

describe('ndes-companion check against the lab', () => {
  let lab: Awaited<ReturnType<typeof startLabWorld>>;
  const urls = ['--internal-url', LAB_INTERNAL_URL, '--external-url', LAB_EXTERNAL_URL, '--tenant-id', LAB_TENANT_ID];
  beforeAll(async () => {
    lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'check-lab') });
  });
  afterAll(async () => {
    await lab?.close();
  });
  // The CLI runs in its own process; the lab's servers live in this one, so the call must not block it.
  async function check(scenario: string, args: string[]) {
    await lab.useScenario(scenario);
    return runAsync(['check', ...args], lab);
  }

  it('healthy: the compact table, "Ready", exit 0', async () => {
    const { code, stdout, stderr } = await check('healthy', urls);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^status\s+severity\s+group\s+check$/m);
    // Live lines on stderr only for what needs attention; the table has the rest.
    expect(stderr).toContain('WARN mscep_admin is not published to the internet');
    expect(stderr).not.toMatch(/^PASS /m);
    expect(stdout).toMatch(/^PASS\s+critical\s+scep-external\s+The same CA answers through both URLs$/m);
    expect(stdout).toMatch(/^PASS\s+critical\s+outbound\s+autoupdate\.msappproxy\.net:443/m);
    expect(stdout).toContain('Ready: no critical check failed');
  });

  it.each([
    [
      'ndes-not-ready',
      /Request filtering limits are below 65534/,
      /Maximum URL length and Maximum query string = 65534/,
    ],
    [
      'appproxy-preauth',
      /pre-authentication is Microsoft Entra ID, not Passthrough/,
      /set Pre Authentication to Passthrough/,
    ],
    ['outbound-inspected', /TLS to autoupdate\.msappproxy\.net is intercepted/, /Exempt \*\.msappproxy\.net/],
    ['tls12-off', /TLS 1\.2 is disabled in SCHANNEL/, /DisabledByDefault=0/],
  ])('%s: exit 1 with cause and remedy', async (scenario, cause, remedy) => {
    const { code, stdout } = await check(scenario, urls);
    expect(code).toBe(1);
    expect(stdout).toMatch(cause);
    expect(stdout).toMatch(remedy);
    expect(stdout).toMatch(/Not ready: \d+ critical check\(s\) failed/);
  });

  it('--json is one stable document', async () => {
    const { code, stdout } = await check('healthy', [...urls, '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as {
      ok: boolean;
      value: { passed: boolean; runId: string; notes: string[]; results: Record<string, unknown>[] };
    };
    expect(parsed.ok).toBe(true);
    expect(parsed.value.passed).toBe(true);
    for (const result of parsed.value.results)
      expect(Object.keys(result)).toEqual(
        expect.arrayContaining(['id', 'group', 'title', 'severity', 'status', 'evidence', 'docUrl', 'durationMs']),
      );
  });

  it.each([
    [['--internal-url', 'https://10.0.0.1/']],
    [['--external-url', 'https://ndes.contoso.com/']],
    [['--proxy', 'http://user:pw@proxy:8080']],
    [['--timeout', 'soon']],
    [['--long-url-kb', '64']],
    [['--tenant-id', 'contoso']],
  ])('bad input %j: exit 2 before any probe', async (args) => {
    const before = lab.records().length;
    const { code, stderr } = await check('healthy', args);
    expect(code).toBe(2);
    expect(stderr).toContain('INVALID_REQUEST');
    expect(lab.records().length).toBe(before);
  });
});

describe('ndes-companion install and connector against the lab', () => {
  const picked = 'C:\\Users\\admin\\Downloads\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe';

  it('install --what-if changes nothing; install installs (exit 0, progress on stderr); connector then reads it back', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'install-lab'), servers: false });
    try {
      const whatIf = await runAsync(['install', picked, '--what-if', '--json'], lab);
      expect(whatIf.code).toBe(0);
      const planned = JSON.parse(whatIf.stdout) as { ok: true; value: { status: string; summary: string } };
      expect(planned.value.summary).toMatch(/^-WhatIf: the installer is Microsoft's/);
      const before = await runAsync(['connector'], lab);
      expect(before.code).toBe(1);
      expect(before.stdout).toContain('The private network connector is not installed on this server.');
      expect(before.stdout).toContain('What to do: Run this step to install it.');

      const installed = await runAsync(['install', picked], lab);
      expect(installed.code).toBe(0);
      expect(installed.stderr).toContain('Windows Installer is installing the connector');
      expect(installed.stdout).toMatch(
        /^Connector 1\.5\.4287\.0 installed; WAPCSvc and WAPCUpdaterSvc are running\.$/m,
      );
      expect(installed.stdout).toContain('  Exit code 0: success');

      const after = await runAsync(['connector', '--json'], lab);
      expect(after.code).toBe(0);
      const state = JSON.parse(after.stdout) as { ok: true; value: { status: string; evidence: string[] } };
      expect(state.value.status).toBe('passed');
      expect(state.value.evidence).toContain('WAPCSvc: Running, start Automatic');
      expect(lab.records().filter((record) => record.script === 'Install-Connector.ps1')).toHaveLength(2);
    } finally {
      await lab.close();
    }
  });

  it('install refuses a file that is not the installer with exit 2, before PowerShell starts', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'install-bad'), servers: false });
    try {
      const { code, stderr } = await runAsync(['install', 'C:\\Users\\admin\\Downloads\\setup.exe'], lab);
      expect(code).toBe(2);
      expect(stderr).toContain('setup.exe is not the connector installer');
      expect(lab.records()).toHaveLength(0);
    } finally {
      await lab.close();
    }
  });
});

describe('ndes-companion register against the lab', () => {
  const tenant = '5f1c2e8a-3b7d-4c9e-a1f0-2d6b8e4c7a13';
  const token = 'eyJ0eXAiOiJKV1QifQ.planted-cli-token-SECRET-19c2';

  function runWithStdin(
    args: string[],
    lab: { cliArgs: string[] },
    stdin: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, argvFor(args, lab));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  /** Every file under a folder, as text. */
  function everything(folder: string): string {
    return readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
  }

  it('registers with the token from stdin; the token is in no argv, output, journal or state', async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'register-lab'),
      scenario: 'connector-installed',
      servers: false,
    });
    try {
      const { code, stdout, stderr } = await runWithStdin(
        ['register', '--tenant-id', tenant, '--token-stdin'],
        lab,
        `${token}\n`,
      );
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(
          `^The connector is registered to tenant ${tenant}; its trust certificate is in the computer store and WAPCSvc is running\\.$`,
          'm',
        ),
      );
      expect(stderr).toContain('<token on stdin> | powershell.exe');
      const register = lab.records().filter((record) => record.script === 'Register-Connector.ps1');
      expect(register).toHaveLength(1);
      expect(register[0]?.argv).toEqual(expect.arrayContaining(['-TenantId', tenant]));
      for (const text of [stdout, stderr, JSON.stringify(lab.records()), everything(join(dir, 'data'))])
        expect(text).not.toContain('planted-cli-token');
      const verify = await runAsync(['verify', 'registration', '--input', `tenantId=${tenant}`], lab);
      expect(verify.code).toBe(0);
    } finally {
      await lab.close();
    }
  });

  it('a denied registration says why and what to do (exit 1)', async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'register-denied'),
      scenario: 'registration-denied',
      servers: false,
    });
    try {
      const { code, stdout } = await runWithStdin(
        ['register', '--tenant-id', tenant, '--token-stdin'],
        lab,
        `${token}\n`,
      );
      expect(code).toBe(1);
      expect(stdout).toContain('Registration failed: the account is not an Application Administrator of that tenant.');
      expect(stdout).toContain('What to do: Register with an account that holds Application Administrator');
      expect(stdout).toContain(
        "Application event 0: Connector registration failed: Make sure you are an Application Administrator of your Active Directory to register the connector. Error: 'The registration request was denied.'",
      );
    } finally {
      await lab.close();
    }
  });

  it('without a token it signs in: prints the address, takes the pasted address back, registers; the token is nowhere', async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'register-sign-in'),
      scenario: 'connector-installed',
    });
    const proxy = lab.config().hosts['proxy.contoso.local:8080'];
    // The admin's browser, on any machine: here Chromium through the lab's proxy.
    const browser = await chromium.launch({
      executablePath: findChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      ...(proxy ? { proxy: { server: `http://${proxy}`, bypass: 'localhost,127.0.0.1' } } : {}),
    });
    try {
      const child = spawn(process.execPath, argvFor(['register', '--tenant-id', LAB_TENANT_ID], lab));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      const authorizeUrl = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /^(https:\/\/login\.microsoftonline\.com\/\S+\/oauth2\/v2\.0\/authorize\?\S+)$/m.exec(
            stderr,
          )?.[1];
          if (found) resolve(found);
        });
        child.on('close', () => reject(new Error(`the CLI ended first: ${stderr}`)));
      });
      expect(stderr).toContain('paste it here and press Enter');
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      const ended = new Promise<string>((resolve) =>
        page.on(
          'request',
          (request) =>
            request.url().startsWith('https://login.microsoftonline.com/common/oauth2/nativeclient?') &&
            resolve(request.url()),
        ),
      );
      await page.goto(authorizeUrl);
      await page.getByRole('link', { name: 'Accept' }).click();
      child.stdin.end(`${await ended}\n`);
      expect(await closed).toBe(0);
      expect(stdout).toMatch(
        new RegExp(
          `^The connector is registered to tenant ${LAB_TENANT_ID}; its trust certificate is in the computer store and WAPCSvc is running\\.$`,
          'm',
        ),
      );
      expect(lab.entra?.calls.at(-1)).toMatchObject({
        grant: 'authorization_code',
        clientId: '55747057-9b5d-4bd4-b387-abf52a8bd489',
        redirectUri: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
        outcome: 'issued',
      });
      const files = everything(join(dir, 'data'));
      for (const text of [stdout, stderr, files]) expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
      expect(files).not.toMatch(/[?&]code=/);
    } finally {
      await browser.close();
      await lab.close();
    }
  });

  it('without a token and with nothing pasted it stops before PowerShell starts and says what to do', async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'register-none'),
      scenario: 'connector-installed',
    });
    try {
      const { code, stderr } = await runWithStdin(['register', '--tenant-id', LAB_TENANT_ID], lab, '');
      expect(code).toBe(2);
      expect(stderr).toContain('Standard input ended before an address was pasted.');
      expect(stderr).toContain('use --token-stdin or --device-code');
      expect(lab.records().filter((record) => record.script === 'Register-Connector.ps1')).toHaveLength(0);
    } finally {
      await lab.close();
    }
  });
});

describe('ndes-companion proxy against the lab', () => {
  it('--what-if, then set (exit 0, progress on stderr), then --undo puts the configs back', async () => {
    const lab = await startLabWorld({ root: repoRoot, dir: join(dir, 'proxy-lab'), scenario: 'connector-registered' });
    try {
      const config =
        'C:\\Program Files\\Microsoft Entra private network connector\\MicrosoftEntraPrivateNetworkConnectorService.exe.config';
      const text = () =>
        (JSON.parse(readFileSync(join(lab.dir, 'windows.json'), 'utf8')) as { files: Record<string, { text: string }> })
          .files[config]?.text;
      const original = text();
      const whatIf = await runAsync(
        [
          'proxy',
          'http://proxy.contoso.local:8080',
          '--ndes-host',
          'ndes01.contoso.local',
          '--winhttp',
          'set',
          '--what-if',
        ],
        lab,
      );
      expect(whatIf.code).toBe(0);
      expect(whatIf.stdout).toContain('-WhatIf: 3 change(s) would be made (listed below); nothing was changed.');
      expect(text()).toBe(original);

      const set = await runAsync(
        ['proxy', 'http://proxy.contoso.local:8080', '--ndes-host', 'ndes01.contoso.local', '--winhttp', 'set'],
        lab,
      );
      expect(set.code).toBe(0);
      expect(set.stderr).toContain('Running ConfigureOutBoundProxy.ps1 -ProxyAddress http://proxy.contoso.local:8080');
      expect(set.stdout).toMatch(
        /^The connector and its updater use http:\/\/proxy\.contoso\.local:8080, with ndes01\.contoso\.local kept off the proxy/m,
      );
      expect(set.stdout).toContain(
        '  After: WinHTTP: proxy proxy.contoso.local:8080, bypass <local>;ndes01.contoso.local',
      );
      expect(text()).toContain('<add address="ndes01\\.contoso\\.local" />');

      const undo = await runAsync(['proxy', '--undo', '--json'], lab);
      expect(undo.code).toBe(0);
      expect((JSON.parse(undo.stdout) as { value: { status: string } }).value.status).toBe('passed');
      expect(text()).toBe(original);
      const again = await runAsync(['proxy', '--undo'], lab);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain(
        'Nothing to restore: the companion has not changed the proxy configuration on this server.',
      );
      expect(lab.records().filter((record) => record.script === 'Set-ConnectorProxy.ps1')).toHaveLength(4);
    } finally {
      await lab.close();
    }
  });

  it('refuses a proxy with credentials (exit 2) without repeating them, before PowerShell starts', async () => {
    const lab = await startLabWorld({
      root: repoRoot,
      dir: join(dir, 'proxy-creds'),
      scenario: 'connector-registered',
      servers: false,
    });
    try {
      const { code, stderr, stdout } = await runAsync(
        ['proxy', 'http://svc-proxy:Pl4nted-Pr0xy-Pw@proxy.contoso.local:8080'],
        lab,
      );
      expect(code).toBe(2);
      expect(stderr).toContain('the connector cannot authenticate to a proxy');
      expect(`${stdout}${stderr}`).not.toContain('Pl4nted-Pr0xy-Pw');
      const kept = readdirSync(join(dir, 'data'), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
        .join('\n');
      expect(kept).toContain('proxy.contoso.local:8080');
      expect(kept).not.toContain('Pl4nted-Pr0xy-Pw');
      expect(lab.records()).toHaveLength(0);
      const usage = await runAsync(['proxy'], lab);
      expect(usage.code).toBe(2);
    } finally {
      await lab.close();
    }
  });
});
