import { EXIT, type Command } from '../command.ts';
import { checkTable, failureText } from '../format.ts';
import { LONG_URL_KB } from '../../core/checks/input-rules.ts';

export const checkCommand: Command = {
  names: ['check'],
  usage: [
    {
      line: 'check [--internal-url U] [--external-url U] [--proxy P] [--tenant-id G] [--verified-domain D]... [--timeout S] [--long-url-kb N] [--json]',
      text: 'Readiness checks (host, NDES/IIS, outbound, SCEP at the internal URL), plus the verify checks through the external URL when one is given.',
    },
  ],
  notes: [
    '`check` runs the readiness checks (this server, NDES/IIS, outbound to Microsoft, SCEP at the',
    'internal URL) and, with an external URL, the verify checks through application proxy. It',
    'prints a compact table worst first, then cause, remedy and documentation for every failure',
    'and warning; `--json` prints the report documented in `--help`. Options: `--proxy`,',
    '`--timeout S` (per probe, default 5), `--long-url-kb N` (1–31, default 20). Exit `0` when no',
    'critical check failed, `1` when one did, `2` when the input rules refuse a URL, `3` when a',
    'critical check could not run. `--verified-domain D` (repeatable) accepts external URLs on your',
    "tenant's verified custom domains.",
  ],
  options: {
    'internal-url': {
      type: 'string',
      value: 'U',
      help: 'NDES as the connector reaches it, e.g. https://ndes01.contoso.local/',
    },
    'external-url': {
      type: 'string',
      value: 'U',
      help: 'The published URL, e.g. https://ndes-contoso.msappproxy.net/',
    },
    proxy: {
      type: 'string',
      value: 'P',
      help: 'The outbound proxy the probes go through, e.g. http://proxy.contoso.local:8080',
    },
    'tenant-id': {
      type: 'string',
      value: 'G',
      help: 'The tenant GUID: adds <tenant>.bootstrap.msappproxy.net to the outbound checks.',
    },
    'verified-domain': {
      type: 'string',
      multiple: true,
      value: 'D',
      help: 'Accept external URLs on this verified custom domain of your tenant (repeatable).',
    },
    timeout: { type: 'string', value: 'S', help: 'Seconds each probe may take (default 5).' },
    'long-url-kb': {
      type: 'string',
      value: 'N',
      help: `The long-URL probe size, ${LONG_URL_KB.min} to ${LONG_URL_KB.max} KB (default ${LONG_URL_KB.default}).`,
    },
  },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const inputs = Object.fromEntries(
      [
        ['internalUrl', context.str('internal-url')],
        ['externalUrl', context.str('external-url')],
        ['proxyAddress', context.str('proxy')],
        ['tenantId', context.str('tenant-id')],
        ['verifiedDomains', context.list('verified-domain').join(',') || undefined],
        ['timeoutSeconds', context.str('timeout')],
        ['longUrlKb', context.str('long-url-kb')],
      ].filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const result = await context.api.checks.run({
      scope: context.str('external-url') ? 'all' : 'readiness',
      inputs,
    });
    if (context.json) context.io.out(JSON.stringify(result, null, 2));
    else if (result.ok) context.io.out(checkTable(result.value));
    else context.io.err(failureText(result.error));
    if (!result.ok) return result.error.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
    const verdict = result.value.verdict;
    return verdict === 'ready' ? EXIT.ok : verdict === 'incomplete' ? EXIT.incomplete : EXIT.failed;
  },
};
