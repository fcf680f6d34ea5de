import { cacheProtection, describeCacheProtection } from '../../core/cloud/token-cache.ts';
import type { SignedIn } from '../../core/cloud/sign-in.ts';
import { judgeTenant, readTenantFacts } from '../../core/cloud/tenant.ts';
import { toFailure } from '../../core/errors.ts';
import { EXIT, type Command } from '../command.ts';
import { failureText } from '../format.ts';

/** Sign-in commands call the core directly: no token ever crosses a channel a window can use. */
export const accountCommand: Command = {
  names: ['login', 'whoami', 'logout'],
  usage: [
    {
      line: 'login [--device-code] [--tenant T] [--cloud global|usgov|china] [--client-id ID] [--proxy P] [--json]',
      text: 'Sign in to Microsoft Entra ID (step sign-in): by default you open the address printed in a browser on this server, and the answer comes back on http://localhost; --device-code signs in with a code entered in any browser on any device (Server Core, IE Enhanced Security). Later commands use this sign-in (and its --proxy) until logout; the token cache is one file in the data folder: on Windows encrypted with DPAPI for the signed-in user; elsewhere (development, CI) a plain file, owner-only (0600), NOT encrypted.',
    },
    { line: 'whoami [--cloud C] [--json]', text: 'Who is signed in.' },
    { line: 'logout [--cloud C]', text: 'Forget the sign-in and empty the token cache.' },
  ],
  notes: [
    '`login` signs in to Microsoft Entra ID with `@azure/msal-node`: by default in a browser on this',
    'server (it prints the address; the answer comes back to the command on `http://localhost`, posted',
    'with form_post; the wizard shows the sign-in pages in a window of its own rather than starting a',
    'browser from the elevated app; either gives up after 15 minutes), or with `--device-code`, a code typed',
    'into any browser on any device (the way for Server Core and for IE Enhanced Security',
    'Configuration). It then reads the',
    'tenant through Microsoft Graph: its id and domains (initial and verified), your active directory',
    'roles (Application Administrator or Global Administrator are needed; Cloud Application',
    'Administrator is not enough; a role you are only eligible for in PIM is named as such), the',
    'Microsoft Entra ID P1/P2 and Intune licences, and whether Application Proxy is enabled. Later',
    'commands share the sign-in until `logout`. By default the companion signs in as Microsoft Graph',
    "Command Line Tools (`14d82eec-204b-4c2f-b7e8-296a70dab67e`, Microsoft's own public client, the",
    'one Microsoft Graph PowerShell uses): no app registration is needed, but an administrator must',
    'consent once to the Graph permissions it asks for (Application.ReadWrite.All,',
    'OnPremisesPublishingProfiles.ReadWrite.All, Directory.Read.All, Organization.Read.All,',
    'RoleEligibilitySchedule.Read.Directory, DeviceManagementConfiguration.ReadWrite.All); a tenant that prefers its own registered public',
    'client passes `--client-id`. **Said plainly:** the sign-in and Graph calls are verified against',
    "the lab's Entra ID and Graph (real msal-node, fake service), not against a real tenant. The token",
    "cache is one file in the data folder, kept through Microsoft's `@azure/msal-node-extensions`: on",
    'Windows it is encrypted with DPAPI for the Windows user who signed in (checked with a round trip',
    'before first use; a logon without DPAPI keys, such as a remote PowerShell session, is told so',
    'before anything is lost), inside a data folder that admits only Administrators and SYSTEM (unless',
    'you name another folder with `--data-dir`, whose access is then yours to restrict). There is one',
    "sign-in per server: when another administrator signs in there, the first one's cache, which the",
    'second cannot decrypt, is set aside and the first is signed out. On other systems (development,',
    "CI) it is the extension's plain-file fallback, owner-only (0600) and **not encrypted**. The app",
    'and the CLI take turns through a lock beside the file; a lock left by a killed process goes stale',
    'and is taken over after 10 seconds; a cache that cannot be read is set aside and you sign in',
    'again; `logout` empties the cache under the lock, so an app open at the same time is signed out',
    'too. `whoami` says which of these applies. Every Graph call is',
    'journaled as method and URL before it is sent; no token reaches the journal, a log or a window.',
  ],
  options: {
    'device-code': { type: 'boolean', help: 'Sign in with a code entered in any browser on any device.' },
    tenant: { type: 'string', value: 'T', help: 'The tenant to sign in to (ID or domain); default: your own.' },
    cloud: { type: 'string', value: 'C', help: 'global (default), usgov or china.' },
    'client-id': {
      type: 'string',
      value: 'ID',
      help: 'Your own registered public client instead of Microsoft Graph Command Line Tools.',
    },
    proxy: {
      type: 'string',
      value: 'P',
      help: "An outbound proxy for the companion's own cloud calls, e.g. http://proxy.contoso.local:8080 (login only).",
    },
  },
  args: { min: 0, max: 0 },
  run: async (context) => {
    const { io, companion: target } = context;
    const which = context.command;
    const choice = {
      ...(context.str('cloud') ? { cloud: context.str('cloud') } : {}),
      ...(context.str('tenant') ? { tenant: context.str('tenant') } : {}),
      ...(context.str('client-id') ? { clientId: context.str('client-id') } : {}),
      ...(which === 'login' && context.str('proxy') ? { proxy: context.str('proxy') } : {}),
    };
    const print = (value: unknown, human: string) =>
      io.out(context.json ? JSON.stringify({ ok: true, value }, null, 2) : human);
    try {
      const signIn = target.signIn(choice);
      if (which === 'logout') {
        await signIn.signOut();
        target.journal.append({ kind: 'sign-out', message: 'Signed out; the token cache was emptied.' });
        print({ signedIn: false }, 'Signed out; the token cache was emptied.');
        return EXIT.ok;
      }
      const describe = async (who: SignedIn): Promise<number> => {
        const facts = await readTenantFacts(target.graph(choice));
        const findings = judgeTenant(facts);
        const lines = [
          `Signed in as ${who.username} (tenant ${facts.displayName}, ${who.tenantId}, ${who.cloud}).`,
          `Domains: ${facts.verifiedDomains.join(', ')} (initial ${facts.initialDomain ?? 'unknown'}).`,
          `Active roles: ${facts.activeRoles.map((role) => role.name).join(', ') || 'none'}.`,
          `Token cache: ${describeCacheProtection()}.`,
          ...findings.map(
            (finding) =>
              `  ${finding.status.toUpperCase().padEnd(4)} ${finding.message}${finding.remedy ? `\n       What to do: ${finding.remedy}` : ''}`,
          ),
        ];
        print({ ...who, tenant: facts, findings, tokenCache: cacheProtection() }, lines.join('\n'));
        // Signed in and saved either way: a tenant that is not ready is said apart from a sign-in that failed.
        return findings.some((finding) => finding.status === 'fail') ? EXIT.tenantNotReady : EXIT.ok;
      };
      if (which === 'whoami') {
        const who = await signIn.current();
        if (!who) {
          print({ signedIn: false }, 'Nobody is signed in.');
          return EXIT.failed;
        }
        return await describe(who);
      }
      const stop = new AbortController();
      const interrupt = () => stop.abort();
      process.once('SIGINT', interrupt);
      try {
        const who = context.flag('device-code')
          ? await signIn.withDeviceCode((prompt) => io.err(prompt.message), stop.signal)
          : await signIn.withBrowser(
              async (url) =>
                io.err(
                  `Open this address in a browser on this server (the answer comes back to this command on http://localhost), sign in and accept:\n\n${url}\n\nWaiting for the sign-in; Ctrl+C stops. Without a browser here, use login --device-code.`,
                ),
              stop.signal,
            );
        target.journal.append({
          kind: 'sign-in',
          message: `Signed in as ${who.username} (tenant ${who.tenantId}, ${who.cloud}) with ${context.flag('device-code') ? 'a device code' : 'the browser'}.`,
        });
        return await describe(who);
      } finally {
        process.removeListener('SIGINT', interrupt);
      }
    } catch (error) {
      const failure = toFailure(error);
      if (context.json) io.out(JSON.stringify({ ok: false, error: failure }, null, 2));
      else io.err(failureText(failure));
      return failure.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
    }
  },
};
