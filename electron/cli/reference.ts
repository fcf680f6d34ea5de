import type { Command, OptionSpec } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { GLOBAL_OPTIONS } from './help.ts';

/** docs/cli.md, written from the command modules by npm run cli-docs (a test keeps the file equal to this). */
export function cliReference(): string {
  const optionRow = ([name, spec]: [string, OptionSpec]) =>
    `| \`--${name}${spec.value ? ` ${spec.value}` : ''}\` | ${spec.help.replace(/\|/g, '\\|')} |`;
  const section = (command: Command) => [
    `### ${command.names.map((name) => `\`${name}\``).join(', ')}`,
    '',
    '```',
    ...command.usage.map(({ line }) => (line.startsWith(' ') ? line : `ndes-companion ${line}`)),
    '```',
    '',
    ...command.usage.filter(({ text }) => text).map(({ text }) => `${text}\n`),
    ...(Object.keys(command.options).length
      ? ['| Option | |', '|---|---|', ...Object.entries(command.options).map(optionRow), '']
      : []),
    ...(command.notes?.length ? [...command.notes, ''] : []),
  ];
  return [
    '# The CLI: `ndes-companion`',
    '',
    '<!-- Written from electron/cli/commands/ by `npm run cli-docs`; edit the command modules, not this file. -->',
    '',
    'The same runbook as the wizard, for Server Core, automation and offline runbooks. Installed, it',
    'is `C:\\Program Files\\NDES Proxy Companion\\ndes-companion.exe` (run it from an elevated',
    'prompt); from source, `npm run cli -- <command>`. `ndes-companion --help` says the same in short.',
    '',
    '## Examples',
    '',
    '```sh',
    ...EXAMPLE_LINES,
    '```',
    '',
    '## Options every command takes',
    '',
    '| Option | |',
    '|---|---|',
    ...Object.entries(GLOBAL_OPTIONS).map(optionRow),
    '',
    '## Commands',
    '',
    ...COMMANDS.flatMap(section),
    '## Output, exit codes and the data folder',
    '',
    ...GENERAL,
    '',
  ].join('\n');
}

const EXAMPLE_LINES: readonly string[] = [
  'npm run cli -- steps --json                 # the ten steps and their status',
  'npm run cli -- plan registration --input tenantId=<guid>',
  'npm run cli -- plan publish --offline       # the portal steps instead of Graph calls',
  "npm run cli -- host                         # this server's identity (one PowerShell run)",
  'npm run cli -- install C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe --what-if',
  'npm run cli -- install C:\\Install\\MicrosoftEntraPrivateNetworkConnectorInstaller.exe   # [--cloud usgov] [--upgrade]',
  'npm run cli -- connector                    # the connector here: version, services, proxy, trust certificate, errors',
  'npm run cli -- register --tenant-id <guid>  # sign in in any browser, paste back the address it ends on',
  'echo $TOKEN | npm run -s cli -- register --tenant-id <guid> --token-stdin   # a token you have; [--reregister] [--what-if]',
  'npm run cli -- proxy http://proxy.contoso.local:8080 --ndes-host ndes01.contoso.local   # [--winhttp auto|set|keep] [--bypass L] [--what-if]',
  'npm run cli -- proxy --undo                 # or --remove: put back what was there before',
  "npm run cli -- login                       # this server's browser; --device-code for a code typed anywhere",
  '                                            # [--tenant T] [--cloud global|usgov|china] [--client-id ID] [--proxy P]',
  'npm run cli -- whoami                       # who is signed in: tenant, domains, roles, licences, App Proxy',
  'npm run cli -- logout',
  "npm run cli -- connectors                   # this server's connector in the tenant, its group, the others",
  'npm run cli -- publish --internal-url https://ndes01.contoso.local/ --group NDES   # [--whole-server] [--what-if]',
  'echo $PFX_PASSWORD | npm run -s cli -- publish --internal-url https://ndes01.contoso.local/ \\',
  '                     --custom-domain ndes.contoso.com --custom-domain-pfx C:\\Certs\\ndes.pfx --pfx-password-stdin',
  'npm run cli -- intune list --external-url https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll \\',
  '                     --internal-scep-url https://ndes01.contoso.local/certsrv/mscep/mscep.dll',
  'npm run cli -- intune apply … --profiles <id>   # one first, as a pilot; intune rollback puts it back',
  'npm run cli -- check --internal-url https://ndes01.contoso.local/ \\',
  '                     --external-url https://ndes-contoso.msappproxy.net/ --tenant-id <guid>',
  'npm run cli -- runbook --offline --internal-url https://ndes01.contoso.local/ --out runbook/',
  '                                            # runbook.md, .html, .pdf, .json: the change paperwork',
  'npm run cli -- runbook --summary            # a few lines for a ticket',
  'npm run cli -- support-bundle --out C:\\Support   # one redacted zip for support, with a manifest',
  'npm run cli -- restart --confirm            # only after the installer asked (3010): restart in 60 s',
  'npm run cli -- --help                       # commands, --json format, exit codes',
];

const GENERAL: readonly string[] = [
  'When piping `--json` output, run `npm run -s cli -- …` (or the installed `ndes-companion`) so',
  "npm's own banner stays out of stdout. Exit codes: `0` success (for `check`: Ready), `1` the",
  'step/check/plan failed or this host cannot do it (for `check`: Not ready), `2` bad usage, `3`',
  '`check` only: Incomplete, a critical check could not run (it is never reported as Ready),',
  '`4` `login`/`whoami` only: signed in (and saved), but the tenant is not ready for the cloud steps,',
  '`130` stopped by a second Ctrl+C during a step.',
  'The companion reads no environment variable: `--data-dir D` keeps its state elsewhere, and',
  'what it runs (Windows PowerShell, system folders) comes from the OS.',
  'With `--json`, stdout is one document: `{"ok":true,"value":…}` or',
  '`{"ok":false,"error":{"code","message","remediation"}}`.',
  '',
  'Where the companion keeps what it runs or restores (`%ProgramData%\\NDES Proxy Companion` and',
  'its `Installers` and `Backups` folders), only Administrators and SYSTEM can write. A folder there',
  "that is not the companion's own (made first by another account, writable by one, or without the",
  'marker the companion writes into folders it makes, its hash kept in HKLM) is renamed aside whole',
  '(`….untrusted-<time>`), never taken over, and the journal says so. Versions before this one did',
  'not mark their folders: the first start after upgrading moves the old data folder aside too',
  '(state, journal and proxy backups stay there to read). Proxy Undo and Remove never restore from',
  'such a folder (they name it), nor over a change that never recorded what it left. `register` refuses when',
  'PowerShell module logging would write the token into the event log, and points to the',
  "connector's interactive registration instead.",
];
