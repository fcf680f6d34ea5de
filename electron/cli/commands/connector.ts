import type { Command } from '../command.ts';
import { inputOption, whatIfOption } from './options.ts';

export const installCommand: Command = {
  names: ['install'],
  usage: [
    {
      line: 'install <installer.exe> [--cloud global|usgov] [--upgrade] [--what-if] [--json]',
      text: "Install the private network connector from Microsoft's signed installer, without registering it (step connector-install).",
    },
  ],
  notes: [
    "`install` checks the file you name (one of Microsoft's two installer names, Authenticode",
    'Valid and signed by Microsoft Corporation), leaves a connector of the same version alone,',
    "replaces another version only with `--upgrade`, and explains the installer's exit code (0,",
    "3010 restart needed, 1641 restart started, 1602, 1603 with the installer log's lines, 1618)",
    'from what is actually installed afterwards. `--what-if` checks and changes nothing.',
  ],
  options: {
    input: inputOption,
    'what-if': whatIfOption,
    cloud: {
      type: 'string',
      value: 'C',
      help: 'global (default) or usgov: the installer gets ENVIRONMENTNAME="AzureUSGovernment".',
    },
    upgrade: { type: 'boolean', help: 'Replace a connector of another version (its registration is kept).' },
  },
  args: { min: 1, max: 1 },
  run: async (context) => {
    const inputs = {
      ...context.inputs,
      installerPath: context.args[0] ?? '',
      ...(context.str('cloud') ? { cloud: context.str('cloud') ?? '' } : {}),
      ...(context.flag('upgrade') ? { upgrade: 'yes' } : {}),
    };
    return await context.interruptibly((runId) =>
      context.api.runbook.run({
        stepId: 'connector-install',
        inputs,
        runId,
        ...(context.whatIf ? { whatIf: true } : {}),
      }),
    );
  },
};

export const connectorCommand: Command = {
  names: ['connector'],
  usage: [
    {
      line: 'connector [--json]',
      text: 'The connector on this server: version, services, proxy settings, trust certificate, newest errors (read only).',
    },
  ],
  options: {},
  args: { min: 0, max: 0 },
  run: async (context) => context.outcome(await context.api.runbook.verify({ stepId: 'connector-install' })),
};

export const registerCommand: Command = {
  names: ['register'],
  usage: [
    {
      line: 'register --tenant-id G [--token-stdin | --device-code] [--reregister] [--what-if] [--json]',
      text: "Register the installed connector to tenant G (step registration). The token for the connector registration service comes from a sign-in with the connector's own client: by default you open the address printed in any browser, sign in, and paste back the address the sign-in ends on; --device-code tries a code instead (not documented for that client; it may be refused); --token-stdin reads a token you already have from standard input. The token is kept in memory only, never saved or shown.",
    },
  ],
  notes: [
    '`register` gets a token for the connector registration service (never on a command line,',
    "never saved) and checks Microsoft's signature on the connector's",
    '`RegisterConnector.ps1`, leaves a connector already registered to that tenant alone, moves one',
    'registered elsewhere only with `--reregister`, and names the cause of a failed registration',
    '(not an Application Administrator, AADSTS50059, network) from what Windows logged. The token',
    "comes from a sign-in made for it, with the values of Microsoft's token-registration sample: the",
    "connector's own public client (`55747057-9b5d-4bd4-b387-abf52a8bd489`), the scope",
    '`https://proxy.cloudwebappproxy.net/registerapp/user_impersonation`, in the tenant you name, by',
    "authorization code with PKCE to Microsoft's `…/oauth2/nativeclient` redirect. In the app that",
    'happens in a sign-in window of its own (no access to the app, its own in-memory session; it may',
    'visit only https pages, so a federated sign-in works, and it closes at the redirect). In the CLI',
    'there is no window to open: it prints the sign-in address, you sign in in any browser (this',
    'server or another), and paste back the address of the blank page it ends on; the code in it is',
    'useless without the PKCE secret the command holds. `--device-code` tries a code instead, and',
    '`--token-stdin` reads a token you already have. The token must be issued in the tenant you',
    'named, and by a member of it (a guest would register the connector to its home tenant, so it is',
    'refused), or nothing runs. A connector already registered to that tenant needs no sign-in.',
    '**Said plainly:** this too is verified against the lab only. That the',
    "connector's client accepts the nativeclient redirect is documented by Microsoft's samples;",
    'whether it accepts a device code or a loopback redirect is not documented, so the lab refuses',
    "both (as Entra ID refuses a client's unregistered redirect), the companion offers the device",
    'code as a try with a clear message when it is refused, and does not offer a loopback for it.',
    'The registration scope is documented for the global cloud only: for US Government and China,',
    'register by hand with `Register-MicrosoftEntraPrivateNetworkConnector -EnvironmentName …`.',
  ],
  options: {
    input: inputOption,
    'what-if': whatIfOption,
    'tenant-id': { type: 'string', value: 'G', help: 'The tenant (directory) GUID the connector is registered to.' },
    'token-stdin': { type: 'boolean', help: 'Read the registration token from standard input (one line).' },
    'device-code': { type: 'boolean', help: 'Sign in with a code entered in any browser on any device.' },
    reregister: { type: 'boolean', help: 'Move a connector registered to another tenant to this one.' },
    cloud: {
      type: 'string',
      value: 'C',
      help: 'The cloud you signed in to; the registration sign-in is documented for global only.',
    },
  },
  args: { min: 0, max: 0 },
  run: async (context) => {
    if (context.flag('token-stdin') && context.flag('device-code'))
      return context.usage('register takes --token-stdin or --device-code, not both.');
    const inputs = {
      ...context.inputs,
      tenantId: context.str('tenant-id') ?? '',
      ...(context.flag('reregister') ? { reregister: 'yes' } : {}),
      ...(context.flag('device-code') ? { signIn: 'device-code' } : {}),
      ...(context.str('cloud') ? { cloud: context.str('cloud') ?? '' } : {}),
    };
    if (!context.flag('token-stdin')) return await context.secrets.run('registration', inputs, {});
    const token = await context.secrets.readFromStdin();
    if (!token) return context.usage('--token-stdin was given, but standard input held no token.');
    return await context.secrets.run('registration', inputs, { registrationToken: token });
  },
};

export const proxyCommand: Command = {
  names: ['proxy'],
  usage: [
    {
      line: 'proxy <http://host:port> [--ndes-host H] [--winhttp auto|set|keep] [--bypass LIST] [--what-if] [--json]',
      text: '',
    },
    {
      line: 'proxy --undo | --remove [--what-if] [--json]',
      text: "Point the connector and its updater at an outbound proxy through the connector's own ConfigureOutBoundProxy.ps1, NDES kept off it (step outbound-proxy). --undo puts back what was there before the companion's last proxy change, --remove what was there before its first; every change keeps a copy under %ProgramData%\\NDES Proxy Companion\\Backups.",
    },
  ],
  notes: [
    '`proxy` takes `http://host:port` only (no credentials: the connector cannot authenticate to a',
    'proxy, so they are refused and never repeated back), checks that the proxy carries a tunnel to',
    "`login.microsoftonline.com:443`, runs the connector's own `ConfigureOutBoundProxy.ps1` (its",
    "Microsoft signature checked first), adds the NDES server to `<bypasslist>` in both services'",
    '`.exe.config`, sets the WinHTTP proxy with `<local>;<NDES host>` bypassed when a CRL or OCSP',
    'host does not answer directly (`--winhttp set|keep` decides it yourself), restarts both',
    'services and reads everything back. Before changing anything it keeps both configs and',
    '`WinHttpSettings` under `%ProgramData%\\NDES Proxy Companion\\Backups`; a failure puts them back',
    'at once, `--undo` restores the state before the last change and `--remove` the state before the',
    "companion's first; neither overwrites a change made since by someone else (a connector upgrade,",
    'a hand edit) or restores from a copy that is not what was saved. WinHTTP is machine-wide, so',
    'bypass entries already there are kept. `UseDefaultProxyForBackendRequests` set to 1 is reported',
    'as a failure with its fix: for NDES the connector must reach the server directly. While a',
    'change is being made, Cancel is refused: the script finishes or puts everything back itself.',
  ],
  options: {
    input: inputOption,
    'what-if': whatIfOption,
    'ndes-host': {
      type: 'string',
      value: 'H',
      help: 'The NDES server as the connector reaches it, kept off the proxy (default: this server).',
    },
    winhttp: {
      type: 'string',
      value: 'W',
      help: 'auto (default: set the WinHTTP proxy only when CRL and OCSP hosts do not answer directly), set, or keep.',
    },
    bypass: {
      type: 'string',
      value: 'L',
      help: 'More WinHTTP bypass entries, ";" between, e.g. pki.contoso.local;*.contoso.local',
    },
    undo: { type: 'boolean', help: "Restore the configuration from before the companion's last proxy change." },
    remove: { type: 'boolean', help: 'Restore the configuration from before the companion first changed the proxy.' },
  },
  args: { min: 0, max: 1 },
  run: async (context) => {
    const undo = context.flag('undo');
    const remove = context.flag('remove');
    const address = context.args[0];
    // Either an address to set, or one way back: never both, never neither.
    if ((undo || remove) === Boolean(address) || (undo && remove))
      return context.usage(
        'proxy takes either the address to set (proxy http://host:port) or one way back (--undo or --remove), not both and not neither.',
        true,
      );
    const inputs = {
      ...context.inputs,
      action: undo ? 'undo' : remove ? 'remove' : 'set',
      ...(address ? { proxyAddress: address } : {}),
      ...(context.str('ndes-host') ? { ndesHost: context.str('ndes-host') ?? '' } : {}),
      ...(context.str('winhttp') ? { winHttp: context.str('winhttp') ?? '' } : {}),
      ...(context.str('bypass') ? { bypass: context.str('bypass') ?? '' } : {}),
    };
    return await context.interruptibly((runId) =>
      context.api.runbook.run({
        stepId: 'outbound-proxy',
        inputs,
        runId,
        ...(context.whatIf ? { whatIf: true } : {}),
      }),
    );
  },
};
