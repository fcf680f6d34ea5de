import { resolve as resolvePath } from 'node:path';
import type { Command } from '../command.ts';
import { graphWhatIfOption, inputOption, signedInCloudOption } from './options.ts';

export const connectorsCommand: Command = {
  names: ['connectors'],
  usage: [
    {
      line: 'connectors [--json]',
      text: "This server's connector as the tenant sees it, its group, the others (step connector-status).",
    },
  ],
  options: { input: inputOption, cloud: signedInCloudOption },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const cloud = context.str('cloud');
    return await context.interruptibly((runId) =>
      context.api.runbook.run({
        stepId: 'connector-status',
        inputs: { ...context.inputs, ...(cloud ? { cloud } : {}) },
        runId,
      }),
    );
  },
};

export const publishCommand: Command = {
  names: ['publish'],
  usage: [
    {
      line: 'publish --internal-url U [--app-name N] [--whole-server] [--group G] [--label L] [--what-if] [--json]',
      text: 'Publish NDES with Passthrough through Microsoft Graph: only /certsrv/mscep/ unless --whole-server; --group puts it and this connector on group G.',
    },
    {
      line: '        [--custom-domain H --custom-domain-pfx F --pfx-password-stdin]',
      text: 'On your verified domain instead of msappproxy.net: host H (e.g. ndes.contoso.com) with the PFX F (private key and full chain), its password read from standard input (letters and digits only; never saved or shown). The PFX is checked here before any upload; the CNAME record H must have is checked afterwards and named when missing.',
    },
  ],
  notes: [
    '`publish` on a **custom domain** (`--custom-domain ndes.contoso.com`) publishes NDES at',
    '`https://ndes.contoso.com/certsrv/mscep/` instead of the msappproxy.net name. The host must sit under a',
    "domain verified in your tenant (checked against the tenant's verified domains before anything is",
    'created), and its certificate comes as a PFX (`--custom-domain-pfx`: private key and the whole',
    'chain; a wildcard such as `*.contoso.com` covers one label) with its password piped to',
    "`--pfx-password-stdin` (letters and digits only, as Application Proxy's upload requires). Before",
    'any cloud call the companion opens the PFX with that password and refuses it, saying how to',
    'export it again, when it holds no private key, does not name the host (SAN), has expired or is not',
    'valid yet, or lacks the certificate that issued it; under 30 days of validity left is a warning.',
    'It then publishes as usual, uploads the certificate and moves the external URL to the custom',
    'name in one Graph call (`verifiedCustomDomainKeyCredential` / `verifiedCustomDomainPasswordCredential`),',
    "and reads back what Graph shows of the certificate. Last, it looks up the name's CNAME: it must",
    "point to the app's msappproxy.net name as Graph reported it; when it is missing or points elsewhere",
    'the step still passes, with a warning naming the exact record to create',
    '(`ndes.contoso.com CNAME ndes-contoso.msappproxy.net`), and `verify publish` checks it again. The',
    'password is used for that run only: never saved, journaled, printed or sent to a window (in the',
    "wizard, the Publish page's password field is cleared after the run); the PFX itself is not",
    "journaled either. Said plainly: this is tested against the lab's Graph, which follows Microsoft's",
    'documented shape; which exact errors the real service answers with is not documented.',
  ],
  options: {
    input: inputOption,
    'what-if': graphWhatIfOption,
    cloud: signedInCloudOption,
    'internal-url': {
      type: 'string',
      value: 'U',
      help: 'NDES as the connector reaches it, e.g. https://ndes01.contoso.local/',
    },
    'app-name': { type: 'string', value: 'N', help: 'The application name (default NDES).' },
    'whole-server': { type: 'boolean', help: 'Publish the whole server, not only /certsrv/mscep/.' },
    group: { type: 'string', value: 'G', help: 'A dedicated connector group for NDES, created if missing.' },
    label: { type: 'string', value: 'L', help: 'The part of the external URL before -<tenant>.msappproxy.net.' },
    'custom-domain': { type: 'string', value: 'H', help: 'Publish on host H of a domain verified in your tenant.' },
    'custom-domain-pfx': { type: 'string', value: 'F', help: "The custom domain's certificate (PFX, with its chain)." },
    'pfx-password-stdin': {
      type: 'boolean',
      help: "Read the custom domain PFX's password from standard input (one line).",
    },
  },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const pfx = context.str('custom-domain-pfx');
    const inputs = {
      ...context.inputs,
      internalUrl: context.str('internal-url') ?? '',
      appName: context.str('app-name') ?? 'NDES',
      scope: context.flag('whole-server') ? 'whole server' : 'mscep only',
      ...(context.str('group') ? { connectorGroup: context.str('group') ?? '' } : {}),
      ...(context.str('label') ? { externalLabel: context.str('label') ?? '' } : {}),
      ...(context.str('cloud') ? { cloud: context.str('cloud') ?? '' } : {}),
      ...(context.str('custom-domain') ? { customDomain: context.str('custom-domain') ?? '' } : {}),
      // A full path, whatever the working folder: the core reads the file, and says which.
      ...(pfx ? { pfxPath: resolvePath(pfx) } : {}),
    };
    if (!context.flag('pfx-password-stdin')) {
      if (pfx)
        return context.usage('--custom-domain-pfx needs its password on standard input: add --pfx-password-stdin.');
      return await context.interruptibly((runId) =>
        context.api.runbook.run({ stepId: 'publish', inputs, runId, ...(context.whatIf ? { whatIf: true } : {}) }),
      );
    }
    const pfxPassword = await context.secrets.readFromStdin();
    if (!pfxPassword) return context.usage('--pfx-password-stdin was given, but standard input held no password.');
    return await context.secrets.run('publish', inputs, { pfxPassword });
  },
};

export const intuneCommand: Command = {
  names: ['intune'],
  usage: [
    {
      line: 'intune list|apply|rollback [--external-url U] [--internal-scep-url U] [--add] [--profiles ID,...] [--what-if] [--json]',
      text: 'Intune SCEP profiles: list with the proposed diff (changes nothing), apply to the profiles named (one first, as a pilot), roll back exactly. --external-url defaults to the SCEP URL publish read back, and may be the published URL as publish printed it (…msappproxy.net/ or …/certsrv/mscep/mscep.dll); --internal-scep-url (what the profiles use today, replaced) defaults to the internal URL of the app published for it; --add adds the external URL beside it instead.',
    },
  ],
  options: {
    input: inputOption,
    'what-if': graphWhatIfOption,
    cloud: signedInCloudOption,
    'external-url': { type: 'string', value: 'U', help: 'The external SCEP URL the profiles are to use.' },
    'internal-scep-url': { type: 'string', value: 'U', help: 'The SCEP URL the profiles use today, to replace.' },
    add: { type: 'boolean', help: 'Add the external URL beside the internal one instead of replacing it.' },
    profiles: { type: 'string', value: 'ID,...', help: 'The profiles to change (apply), comma-separated ids.' },
  },
  args: { min: 1, max: 1, oneOf: ['list', 'apply', 'rollback'] },
  run: async (context) => {
    const inputs = {
      ...context.inputs,
      action: context.args[0] ?? 'list',
      externalUrl: context.str('external-url') ?? '',
      mode: context.flag('add') ? 'add' : 'replace',
      ...(context.str('internal-scep-url') ? { internalUrl: context.str('internal-scep-url') ?? '' } : {}),
      ...(context.str('profiles') ? { profiles: context.str('profiles') ?? '' } : {}),
      ...(context.str('cloud') ? { cloud: context.str('cloud') ?? '' } : {}),
    };
    return await context.interruptibly((runId) =>
      context.api.runbook.run({ stepId: 'intune', inputs, runId, ...(context.whatIf ? { whatIf: true } : {}) }),
    );
  },
};
