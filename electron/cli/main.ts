import { randomUUID } from 'node:crypto';
import { cacheProtection, describeCacheProtection } from '../core/cloud/token-cache.ts';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { stepIds } from '../contract/model.ts';
import type { Envelope } from '../contract/channels.ts';
import { createGateway, type Gateway, type Sender } from '../core/ipc/gateway.ts';
import type { Companion } from '../core/companion.ts';
import { toFailure } from '../core/errors.ts';
import type { SignedIn } from '../core/cloud/sign-in.ts';
import { judgeTenant, readTenantFacts } from '../core/cloud/tenant.ts';
import { pasteSignInWindow } from './paste-sign-in.ts';
import { join, resolve } from 'node:path';
import { checkRealFolder, writeFileSafely } from '../core/report/safe-write.ts';
import { checkUrl } from '../core/checks/input-rules.ts';
import { checkReportFolder, formatsOf } from '../core/steps/report/report-step.ts';
import { toSummary } from '../core/report/render.ts';
import type { SignInWindow } from '../core/ports.ts';
import { checkTable, failureText, outcomeText, planText, stepsTable } from './format.ts';
import type { CheckReport, StepOutcome } from '../contract/model.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3, tenantNotReady: 4, interrupted: 130 } as const;

export const HELP = `ndes-companion: publish NDES through Microsoft Entra application proxy, step by step.

Usage:
  ndes-companion steps [--json]                 List the ten runbook steps and their status.
  ndes-companion plan <step> [--input k=v]... [--offline] [--json]
                                                Show exactly what a step would do, without doing it.
  ndes-companion run <step> [--input k=v]...    Carry a step out (streams progress to stderr).
  ndes-companion verify <step> [--input k=v]... Check a step's result on this machine now.
  ndes-companion host [--json]                  Which server this is (one PowerShell run).
  ndes-companion install <installer.exe> [--cloud global|usgov] [--upgrade] [--what-if] [--json]
                                                Install the private network connector from Microsoft's signed
                                                installer, without registering it (step connector-install).
  ndes-companion register --tenant-id G [--token-stdin | --device-code] [--reregister] [--what-if] [--json]
                                                Register the installed connector to tenant G (step registration).
                                                The token for the connector registration service comes from a
                                                sign-in with the connector's own client: by default you open the
                                                address printed in any browser, sign in, and paste back the address
                                                the sign-in ends on; --device-code tries a code instead (not
                                                documented for that client; it may be refused); --token-stdin reads
                                                a token you already have from standard input. The token is kept in
                                                memory only, never saved or shown.
  ndes-companion proxy <http://host:port> [--ndes-host H] [--winhttp auto|set|keep] [--bypass LIST] [--what-if] [--json]
  ndes-companion proxy --undo | --remove [--what-if] [--json]
                                                Point the connector and its updater at an outbound proxy through
                                                the connector's own ConfigureOutBoundProxy.ps1, NDES kept off it
                                                (step outbound-proxy). --undo puts back what was there before the
                                                companion's last proxy change, --remove what was there before its
                                                first; every change keeps a copy under
                                                %ProgramData%\\NDES Proxy Companion\\Backups.
  ndes-companion login [--device-code] [--tenant T] [--cloud global|usgov|china] [--client-id ID] [--proxy P] [--json]
                                                Sign in to Microsoft Entra ID (step sign-in): by default you open the
                                                address printed in a browser on this server, and the answer comes back
                                                on http://localhost; --device-code signs in with a code entered in any
                                                browser on any device (Server Core, IE Enhanced Security). Later commands use this sign-in (and its --proxy) until logout;
                                                the token cache is one file in the data folder: on Windows encrypted
                                                with DPAPI for the signed-in user; elsewhere (development, CI) a plain
                                                file, owner-only (0600), NOT encrypted.
  ndes-companion whoami [--cloud C] [--json]    Who is signed in.
  ndes-companion resume [--json]                After a crash, a kill or a restart: Verify the step that was
                                                interrupted and every step believed done, and say where to carry on
                                                (exit 1 when one does not verify, 3 when one could not be verified:
                                                its status is left as it was).
  ndes-companion runbook [--offline] [--internal-url U] [--out DIR] [--format all|markdown,html,pdf,json] [--summary] [--json]
                                                Write the runbook with evidence (step report) without a window: each
                                                step's why, plan, what happened, confirmations, open warnings, what to do
                                                next and the back-out plan, as runbook.md, .html (self-contained, to
                                                print), .pdf (printed by Microsoft Edge or another Chromium-family
                                                browser on this machine; said when there is none) and .json (schema:
                                                docs/runbook-report.schema.json), secrets removed. --offline writes the
                                                cloud steps as portal steps (change paperwork before the window);
                                                --internal-url fills the NDES URL where no step has one yet;
                                                --out defaults to a dated folder under the data folder's
                                                Reports; --summary prints a few lines for a ticket instead.
  ndes-companion restart --confirm [--json]      Restart this server in 60 seconds, only when the connector installer asked
                                                for it (exit code 3010); journaled first; cancel with shutdown /a. Then
                                                run ndes-companion resume after you log on again.
  ndes-companion support-bundle [--out DIR] [--json]
                                                One zip for support (Report step): manifest.json with SHA-256 of
                                                every file, the journal, the runbook in every format, every script's
                                                output, and excerpts read here with PowerShell (connector, updater and
                                                Intune Certificate Connector event logs and Application errors of 7
                                                days, IIS log lines for mscep.dll with status/substatus/win32 status,
                                                the tail of the connector installer logs), all redacted. Read only;
                                                no cloud call. --out defaults to the data folder's Support folder.
  ndes-companion connectors [--json]            This server's connector as the tenant sees it, its group, the others
                                                (step connector-status).
  ndes-companion publish --internal-url U [--app-name N] [--whole-server] [--group G] [--label L] [--what-if] [--json]
                                                Publish NDES with Passthrough through Microsoft Graph: only /certsrv/mscep/
                                                unless --whole-server; --group puts it and this connector on group G.
                        [--custom-domain H --custom-domain-pfx F --pfx-password-stdin]
                                                On your verified domain instead of msappproxy.net: host H (e.g.
                                                ndes.contoso.com) with the PFX F (private key and full chain), its
                                                password read from standard input (letters and digits only; never
                                                saved or shown). The PFX is checked here before any upload; the CNAME
                                                record H must have is checked afterwards and named when missing.
  ndes-companion intune list|apply|rollback [--external-url U] [--internal-scep-url U] [--add] [--profiles ID,...]
                        [--what-if] [--json]    Intune SCEP profiles: list with the proposed diff (changes nothing), apply
                                                to the profiles named (one first, as a pilot), roll back exactly.
                                                --external-url defaults to the SCEP URL publish read back, and may be
                                                the published URL as publish printed it (…msappproxy.net/ or
                                                …/certsrv/mscep/mscep.dll); --internal-scep-url (what the profiles use
                                                today, replaced) defaults to the internal URL of the app published
                                                for it; --add adds the external URL beside it instead.
  ndes-companion logout [--cloud C]             Forget the sign-in and empty the token cache.
  ndes-companion connector [--json]             The connector on this server: version, services, proxy settings,
                                                trust certificate, newest errors (read only).
  ndes-companion check [--internal-url U] [--external-url U] [--proxy P] [--tenant-id G] [--verified-domain D]...
                       [--timeout S] [--long-url-kb N] [--json]
                                                Readiness checks (host, NDES/IIS, outbound, SCEP at the internal URL),
                                                plus the verify checks through the external URL when one is given.
  ndes-companion --help | --version

Examples (each one the commands accept as written):
  ndes-companion login --device-code
  ndes-companion publish --internal-url https://ndes01.contoso.local/ --group NDES --what-if
  ndes-companion publish --internal-url https://ndes01.contoso.local/
  ndes-companion intune list --external-url https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll
  ndes-companion intune apply --profiles 0f0e2c56-7b1a-4d7e-9c33-5d2b1e7a9f10 --what-if
  ndes-companion intune rollback --what-if

Steps: ${stepIds.join(', ')}

Options:
  --json        Print one JSON document on stdout: {"ok":true,"value":...} or {"ok":false,"error":{code,message,remediation}}.
  --input k=v   A step input, e.g. --input internalUrl=https://ndes01.contoso.local/ (repeatable).
  --offline     Plan in offline runbook mode (cloud steps become manual portal steps); the saved mode is unchanged.
  --verbose     Stream every progress line to stderr, passing checks included.
  --what-if     install, register, proxy (and run <step>): check everything and report, change nothing
                (PowerShell -WhatIf).
  --cloud C     global (default) or usgov: the installer gets ENVIRONMENTNAME="AzureUSGovernment".
  --upgrade     install: replace a connector of another version (its registration is kept).
  --token-stdin register: read the registration token from standard input (one line).
  --pfx-password-stdin  publish: read the custom domain PFX's password from standard input (one line).
  --reregister  register: move a connector registered to another tenant to this one.
  --ndes-host H proxy: the NDES server as the connector reaches it, kept off the proxy (default: this server).
  --winhttp W   proxy: auto (default: set the WinHTTP proxy only when CRL and OCSP hosts do not answer
                directly), set, or keep.
  --bypass L    proxy: more WinHTTP bypass entries, ";" between, e.g. pki.contoso.local;*.contoso.local
  --undo        proxy: restore the configuration from before the companion's last proxy change.
  --remove      proxy: restore the configuration from before the companion first changed the proxy.
  --data-dir D  Keep state.json and journal.jsonl in D instead of the default
                (%ProgramData%\\NDES Proxy Companion on Windows, found from the OS).

  --internal-url U   NDES as the connector reaches it, e.g. https://ndes01.contoso.local/
  --external-url U   the published URL, e.g. https://ndes-contoso.msappproxy.net/
  --proxy P          outbound proxy, e.g. http://proxy.contoso.local:8080
  --tenant-id G      tenant GUID, adds <tenant>.bootstrap.msappproxy.net to the outbound checks
  --verified-domain D  a custom domain verified in your tenant (repeatable): external URLs on it are
                     accepted besides *.msappproxy.net
  --timeout S        seconds each probe may take (default 5)
  --long-url-kb N    size of the long-URL SCEP probe, 1-31 (default 20)

check --json prints {"ok":true,"value":{"runId","startedAt","finishedAt","verdict","passed","notes":[...],
  "results":[{"id","group","title","severity","status","evidence":[...],"cause","remediation","skip","docUrl","durationMs"}]}}
  results worst first; group is host|ndes|outbound|scep-internal|scep-external; severity critical|warning|info;
  status pass|fail|warn|skipped; a skipped check has skip not-applicable|could-not-run|cancelled and says
  why in cause; verdict is ready|not-ready|incomplete (passed is verdict = ready). Fields are only ever added,
  never renamed.

Exit codes:
  0  success (for check: Ready, no critical check failed and every critical check ran)
  1  the step, check or plan failed (for check: Not ready, a critical check failed), or this host cannot do it
  2  bad usage (unknown command, step or option, or a URL the input rules refuse)
  3  check only: Incomplete, no critical check failed but one could not run (Windows PowerShell missing,
     a fact Windows would not give, the run cancelled); the report says which and why. Never read as
     ready. When PowerShell is there but refused, blocked, crashed or too slow, its own check fails (1).
     resume: a step could not be verified (its status is left as it was).
  4  login and whoami only: signed in (and the sign-in is saved), but the tenant is not ready for the cloud
     steps (a role, a licence, or application proxy turned off); the lines marked FAIL say what to do.
  130 a second Ctrl+C during a step: the command ended at once; what the step started is left to finish
     (verify the step). A first Ctrl+C cancels the step, or says why not while it is changing the server.

The companion reads no environment variable: what it runs (Windows PowerShell, system paths)
comes from the OS. Rehearsing against the lab uses the lab's own CLI entry (npm run lab prints it).
`;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, for a secret given with --token-stdin. */
  readStdin?(): Promise<string>;
  /** One line of standard input: the address the registration sign-in ended on, pasted. */
  readLine?(): Promise<string | null>;
}

const CLI_ORIGIN = 'cli://local';

function cliSender(io: Io, json: boolean, verbose: boolean): Sender {
  return {
    frameUrl: `${CLI_ORIGIN}/`,
    isMainFrame: true,
    contentsId: 1,
    emit(event) {
      // The table lists every check at the end; live, only what needs attention is worth a line.
      const routine = event.check && (event.check.status === 'pass' || event.check.status === 'skipped');
      // The outcome is printed once, on stdout, when the command ends: never on both streams.
      if (event.outcome) return;
      if ((!json && !routine) || verbose)
        io.err(`${event.level === 'info' || event.check ? '' : `${event.level}: `}${event.message}`);
    },
  };
}

export async function runCli(
  argv: string[],
  io: Io,
  version: string,
  makeCompanion: (options: { dataDir?: string; signInWindow?: SignInWindow }) => Companion,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        offline: { type: 'boolean', default: false },
        input: { type: 'string', multiple: true, default: [] },
        'internal-url': { type: 'string' },
        'external-url': { type: 'string' },
        proxy: { type: 'string' },
        'tenant-id': { type: 'string' },
        'verified-domain': { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'long-url-kb': { type: 'string' },
        'data-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'what-if': { type: 'boolean', default: false },
        cloud: { type: 'string' },
        upgrade: { type: 'boolean', default: false },
        'token-stdin': { type: 'boolean', default: false },
        reregister: { type: 'boolean', default: false },
        'ndes-host': { type: 'string' },
        winhttp: { type: 'string' },
        bypass: { type: 'string' },
        undo: { type: 'boolean', default: false },
        'device-code': { type: 'boolean', default: false },
        'app-name': { type: 'string' },
        'whole-server': { type: 'boolean', default: false },
        group: { type: 'string' },
        label: { type: 'string' },
        'internal-scep-url': { type: 'string' },
        add: { type: 'boolean', default: false },
        profiles: { type: 'string' },
        tenant: { type: 'string' },
        'client-id': { type: 'string' },
        remove: { type: 'boolean', default: false },
        'custom-domain': { type: 'string' },
        'custom-domain-pfx': { type: 'string' },
        'pfx-password-stdin': { type: 'boolean', default: false },
        out: { type: 'string' },
        format: { type: 'string' },
        summary: { type: 'boolean', default: false },
        confirm: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\nRun ndes-companion --help for usage.`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, stepArg, ...extra] = positionals;
  if (values.help || command === 'help') {
    io.out(HELP);
    return EXIT.ok;
  }
  // Asking for the version must not open the journal or the state of this machine.
  if (values.version) {
    io.out(version);
    return EXIT.ok;
  }
  let companion: Companion;
  try {
    companion = makeCompanion({
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      signInWindow: pasteSignInWindow(io),
    });
  } catch (error) {
    io.err(`The companion could not start: ${(error as Error).message}`);
    return EXIT.failed;
  }
  try {
    const gateway: Gateway = createGateway(companion.handlers, {
      origin: CLI_ORIGIN,
      isKnownContents: (id) => id === 1,
    });
    const sender = cliSender(io, values.json, values.verbose);
    const pairs: [string, string][] = [];
    for (const pair of values.input) {
      const at = pair.indexOf('=');
      if (at <= 0) {
        io.err(`--input takes name=value, got "${pair}".`);
        return EXIT.usage;
      }
      pairs.push([pair.slice(0, at), pair.slice(at + 1)]);
    }
    // fromEntries keeps a name like __proto__ as data, so the gateway's schema sees and refuses it.
    const inputs = Object.fromEntries(pairs);
    const needsStep = command === 'plan' || command === 'run' || command === 'verify' || command === 'install';
    const restoring = values.undo || values.remove;
    const proxyOk = command !== 'proxy' || (restoring ? !stepArg && !(values.undo && values.remove) : !!stepArg);
    const intuneOk = command !== 'intune' || ['list', 'apply', 'rollback'].includes(stepArg ?? '');
    const takesArg = needsStep || command === 'proxy' || command === 'intune';
    if (
      !command ||
      ![
        'steps',
        'plan',
        'run',
        'verify',
        'host',
        'check',
        'install',
        'connector',
        'register',
        'proxy',
        'login',
        'logout',
        'whoami',
        'connectors',
        'publish',
        'intune',
        'runbook',
        'resume',
        'support-bundle',
        'restart',
      ].includes(command) ||
      extra.length > 0 ||
      (needsStep && !stepArg) ||
      (!takesArg && stepArg) ||
      !proxyOk ||
      !intuneOk
    ) {
      io.err(command ? `Unknown or incomplete command: ${positionals.join(' ')}` : 'No command given.');
      io.err('Run ndes-companion --help for usage.');
      return EXIT.usage;
    }
    if (needsStep && command !== 'install' && !(stepIds as readonly string[]).includes(stepArg ?? '')) {
      io.err(`Unknown step "${stepArg}". Steps: ${stepIds.join(', ')}`);
      return EXIT.usage;
    }
    const mode = values.offline ? { mode: 'offline' } : {};

    const emit = (result: Envelope<unknown>, human: (value: never) => string): number => {
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else if (result.ok) io.out(human(result.value as never));
      else io.err(failureText(result.error));
      return result.ok ? EXIT.ok : EXIT.failed;
    };

    const withInputs = Object.keys(inputs).length > 0 ? { inputs } : {};
    // A step that ran but did not pass is a failure for scripts too (exit 1), with its remedy.
    const outcome = (result: Envelope<unknown>): number => {
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else if (result.ok) io.out(outcomeText(result.value as StepOutcome));
      else io.err(failureText(result.error));
      if (!result.ok) return result.error.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
      return (result.value as StepOutcome).status === 'failed' ? EXIT.failed : EXIT.ok;
    };
    /**
     * A step run with Ctrl+C handled as the wizard's Cancel: the first asks the runbook to cancel
     * it, which it refuses (and says why) while the step is changing the server; the second ends
     * the command at once (exit 130), leaving what the step started to finish, for verify to read.
     */
    const interruptibly = async (start: (runId: string) => Promise<Envelope<unknown>>): Promise<number> => {
      const runId = `cli-${randomUUID()}`;
      let presses = 0;
      let stopNow: () => void = () => undefined;
      const stopped = new Promise<'stopped'>((resolve) => {
        stopNow = () => resolve('stopped');
      });
      const onInterrupt = () => {
        presses += 1;
        if (presses > 1) {
          io.err(
            'Stopped at the second Ctrl+C. What the step started may still be finishing: run verify for this step to see where it stands.',
          );
          stopNow();
          return;
        }
        void gateway.dispatch(sender, 'runbook:cancel', { runId }).then((answer) => {
          const value = answer.ok ? (answer.value as { cancelled: boolean; reason?: string }) : null;
          if (value?.cancelled) io.err('Cancelling the step (Ctrl+C).');
          else
            io.err(
              `Not stopped: ${value?.reason ?? (answer.ok ? 'the step had already ended.' : answer.error.message)} Press Ctrl+C again to end the command now; what the step started is left to finish.`,
            );
        });
      };
      process.on('SIGINT', onInterrupt);
      try {
        const result = await Promise.race([start(runId), stopped]);
        return result === 'stopped' ? EXIT.interrupted : outcome(result);
      } finally {
        process.removeListener('SIGINT', onInterrupt);
      }
    };
    const asEnvelope = (run: Promise<StepOutcome>): Promise<Envelope<StepOutcome>> =>
      run.then(
        (value): Envelope<StepOutcome> => ({ ok: true, value }),
        (error: unknown): Envelope<StepOutcome> => ({ ok: false, error: toFailure(error) }),
      );

    /** Sign-in commands call the core directly: no token ever crosses a channel a window can use. */
    const account = async (which: 'login' | 'logout' | 'whoami', target: Companion): Promise<number> => {
      const choice = {
        ...(values.cloud ? { cloud: values.cloud } : {}),
        ...(values.tenant ? { tenant: values.tenant } : {}),
        ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
        ...(which === 'login' && values.proxy ? { proxy: values.proxy } : {}),
      };
      const print = (value: unknown, human: string) =>
        io.out(values.json ? JSON.stringify({ ok: true, value }, null, 2) : human);
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
          const who = values['device-code']
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
            message: `Signed in as ${who.username} (tenant ${who.tenantId}, ${who.cloud}) with ${values['device-code'] ? 'a device code' : 'the browser'}.`,
          });
          return await describe(who);
        } finally {
          process.removeListener('SIGINT', interrupt);
        }
      } catch (error) {
        const failure = toFailure(error);
        if (values.json) io.out(JSON.stringify({ ok: false, error: failure }, null, 2));
        else io.err(failureText(failure));
        return failure.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
      }
    };
    switch (command) {
      case 'steps':
        return emit(
          await gateway.dispatch(sender, 'runbook:list', {}),
          (value: { mode: string; steps: Parameters<typeof stepsTable>[0] }) => stepsTable(value.steps, value.mode),
        );
      case 'plan': {
        const title = companion.runbook.list().find((step) => step.id === stepArg)?.title ?? String(stepArg);
        return emit(
          await gateway.dispatch(sender, 'runbook:plan', { stepId: stepArg, ...withInputs, ...mode }),
          (value: Parameters<typeof planText>[0]) => planText(value, title),
        );
      }
      case 'run':
      case 'verify':
        return await interruptibly((runId) =>
          gateway.dispatch(sender, `runbook:${command}`, {
            stepId: stepArg,
            ...withInputs,
            runId,
            ...(command === 'run' && values['what-if'] ? { whatIf: true } : {}),
          }),
        );
      case 'install': {
        const installInputs = {
          ...inputs,
          installerPath: stepArg ?? '',
          ...(values.cloud ? { cloud: values.cloud } : {}),
          ...(values.upgrade ? { upgrade: 'yes' } : {}),
        };
        return await interruptibly((runId) =>
          gateway.dispatch(sender, 'runbook:run', {
            stepId: 'connector-install',
            inputs: installInputs,
            runId,
            ...(values['what-if'] ? { whatIf: true } : {}),
          }),
        );
      }
      case 'register': {
        if (values['token-stdin'] && values['device-code']) {
          io.err('register takes --token-stdin or --device-code, not both.');
          return EXIT.usage;
        }
        const registerInputs = {
          ...inputs,
          tenantId: values['tenant-id'] ?? '',
          ...(values.reregister ? { reregister: 'yes' } : {}),
          ...(values['device-code'] ? { signIn: 'device-code' } : {}),
          ...(values.cloud ? { cloud: values.cloud } : {}),
        };
        let token: string | undefined;
        if (values['token-stdin']) {
          token = (await io.readStdin?.())
            ?.split(/\r?\n/)
            .find((line) => line.trim() !== '')
            ?.trim();
          if (!token) {
            io.err('--token-stdin was given, but standard input held no token.');
            return EXIT.usage;
          }
        }
        // Called on the core directly: a token never travels through a channel a window can use.
        return await interruptibly((runId) =>
          asEnvelope(
            companion.runbook.run(
              'registration',
              registerInputs,
              runId,
              (event) => sender.emit(event),
              values['what-if'],
              token ? { registrationToken: token } : {},
            ),
          ),
        );
      }
      case 'proxy': {
        const proxyInputs = {
          ...inputs,
          action: values.undo ? 'undo' : values.remove ? 'remove' : 'set',
          ...(stepArg ? { proxyAddress: stepArg } : {}),
          ...(values['ndes-host'] ? { ndesHost: values['ndes-host'] } : {}),
          ...(values.winhttp ? { winHttp: values.winhttp } : {}),
          ...(values.bypass ? { bypass: values.bypass } : {}),
        };
        return await interruptibly((runId) =>
          gateway.dispatch(sender, 'runbook:run', {
            stepId: 'outbound-proxy',
            inputs: proxyInputs,
            runId,
            ...(values['what-if'] ? { whatIf: true } : {}),
          }),
        );
      }
      case 'login':
      case 'logout':
      case 'whoami':
        return await account(command, companion);
      case 'connectors':
        return await interruptibly((runId) =>
          gateway.dispatch(sender, 'runbook:run', {
            stepId: 'connector-status',
            inputs: { ...inputs, ...(values.cloud ? { cloud: values.cloud } : {}) },
            runId,
          }),
        );
      case 'publish': {
        const publishInputs = {
          ...inputs,
          internalUrl: values['internal-url'] ?? '',
          appName: values['app-name'] ?? 'NDES',
          scope: values['whole-server'] ? 'whole server' : 'mscep only',
          ...(values.group ? { connectorGroup: values.group } : {}),
          ...(values.label ? { externalLabel: values.label } : {}),
          ...(values.cloud ? { cloud: values.cloud } : {}),
          ...(values['custom-domain'] ? { customDomain: values['custom-domain'] } : {}),
          // A full path, whatever the working folder: the core reads the file, and says which.
          ...(values['custom-domain-pfx'] ? { pfxPath: resolvePath(values['custom-domain-pfx']) } : {}),
        };
        if (!values['pfx-password-stdin']) {
          if (values['custom-domain-pfx']) {
            io.err('--custom-domain-pfx needs its password on standard input: add --pfx-password-stdin.');
            return EXIT.usage;
          }
          return await interruptibly((runId) =>
            gateway.dispatch(sender, 'runbook:run', {
              stepId: 'publish',
              inputs: publishInputs,
              runId,
              ...(values['what-if'] ? { whatIf: true } : {}),
            }),
          );
        }
        const pfxPassword = (await io.readStdin?.())
          ?.split(/\r?\n/)
          .find((line) => line.trim() !== '')
          ?.trim();
        if (!pfxPassword) {
          io.err('--pfx-password-stdin was given, but standard input held no password.');
          return EXIT.usage;
        }
        // Called on the core directly, as register is: the password never travels through a channel.
        return await interruptibly((runId) =>
          asEnvelope(
            companion.runbook.run('publish', publishInputs, runId, (event) => sender.emit(event), values['what-if'], {
              pfxPassword,
            }),
          ),
        );
      }
      case 'intune': {
        const intuneInputs = {
          ...inputs,
          action: stepArg ?? 'list',
          externalUrl: values['external-url'] ?? '',
          mode: values.add ? 'add' : 'replace',
          ...(values['internal-scep-url'] ? { internalUrl: values['internal-scep-url'] } : {}),
          ...(values.profiles ? { profiles: values.profiles } : {}),
          ...(values.cloud ? { cloud: values.cloud } : {}),
        };
        return await interruptibly((runId) =>
          gateway.dispatch(sender, 'runbook:run', {
            stepId: 'intune',
            inputs: intuneInputs,
            runId,
            ...(values['what-if'] ? { whatIf: true } : {}),
          }),
        );
      }
      case 'connector':
        return outcome(await gateway.dispatch(sender, 'runbook:verify', { stepId: 'connector-install' }));
      case 'resume': {
        // After a crash, a kill or a restart: Verify what was interrupted and what was believed done.
        const before = companion.runbook.resumePoint();
        const doneSteps = companion.runbook
          .list()
          .filter((step) => step.status === 'passed')
          .map((step) => step.id);
        const toVerify = [...new Set([...(before?.interrupted ?? []), ...(before?.believedDone ?? doneSteps)])];
        const title = (id: string) => {
          const view = companion.runbook.list().find((step) => step.id === id);
          return `Step ${view?.number ?? '?'} (${view?.title ?? id})`;
        };
        const results: { id: string; status: string; summary: string }[] = [];
        for (const id of toVerify) {
          const verified = await gateway.dispatch(sender, 'runbook:verify', { stepId: id });
          // A Verify that could not look (no sign-in, no network) leaves the step's status as it was.
          results.push(
            verified.ok
              ? { id, status: (verified.value as StepOutcome).status, summary: (verified.value as StepOutcome).summary }
              : { id, status: 'could not verify', summary: `${verified.error.message} ${verified.error.remediation}` },
          );
        }
        const after = companion.runbook.resumePoint();
        const lines = [
          ...(before?.interrupted ?? []).map((id) => `${title(id)} was interrupted when the companion stopped.`),
          ...results.map((result) => `${title(result.id)}, verified: ${result.status}. ${result.summary}`),
          after ? `Carry on at ${title(after.stepId)}.` : 'Every step is done.',
        ];
        if (values.json)
          io.out(
            JSON.stringify(
              {
                ok: true,
                value: { interrupted: before?.interrupted ?? [], verified: results, carryOnAt: after?.stepId ?? null },
              },
              null,
              2,
            ),
          );
        else io.out(lines.join('\n'));
        if (results.some((result) => result.status === 'could not verify')) return EXIT.incomplete;
        return results.every((result) => result.status === 'passed' || result.status === 'confirmed')
          ? EXIT.ok
          : EXIT.failed;
      }
      case 'runbook': {
        // The runbook as it stands, written without a window: for Server Core, and for the
        // change-approval paperwork written before the change window (--offline).
        const overrides: Record<string, string> = {};
        if (values['internal-url'] !== undefined) {
          const verdict = checkUrl(values['internal-url'], 'internal');
          if (!verdict.ok) {
            io.err(`--internal-url was refused: ${verdict.message}`);
            return EXIT.usage;
          }
          overrides.internalUrl = verdict.normalized;
        }
        let formats;
        try {
          formats = formatsOf({ formats: values.format ?? 'all' });
        } catch (error) {
          io.err(failureText(toFailure(error)));
          return EXIT.usage;
        }
        // Which server this is, for the runbook, when PowerShell can say (one read-only run).
        await gateway.dispatch(cliSender(io, true, false), 'host:identity', {});
        const extra = { overrides, ...(values.offline ? { mode: 'offline' as const } : {}) };
        if (values.summary) {
          io.out(toSummary(companion.report(extra)));
          return EXIT.ok;
        }
        // Not the current folder by default: an elevated prompt starts in the system folder.
        let out: string | null = null;
        try {
          out = values.out ? checkReportFolder(resolve(values.out)) : null;
        } catch (error) {
          io.err(failureText(toFailure(error)));
          return EXIT.usage;
        }
        // The report is built once, by the write (which journals it).
        const result = await companion.writeRunbook(out, formats, extra);
        const folder = result.folder;
        for (const note of result.notes) io.err(`warning: ${note}`);
        if (values.json)
          io.out(
            JSON.stringify({ ok: true, value: { folder, written: result.written, notes: result.notes } }, null, 2),
          );
        else
          io.out(
            [
              `The runbook (${(extra.mode ?? companion.runbook.mode) === 'offline' ? 'offline runbook mode' : 'guided'}) is in ${folder}:`,
              ...result.written.map((path) => `  ${path}`),
            ].join('\n'),
          );
        return EXIT.ok;
      }
      case 'restart': {
        // Only for the restart the connector installer asked for (3010), and only when told twice.
        const pending = companion.runbook.pendingRestart();
        if (!values.confirm) {
          io.err(
            pending?.code === 3010
              ? 'The connector installer asked for a restart (exit code 3010). Run ndes-companion restart --confirm to restart this server in 60 seconds (cancel with shutdown /a).'
              : 'No installer is waiting for a restart of this server.',
          );
          return pending?.code === 3010 ? EXIT.usage : EXIT.failed;
        }
        const result = await gateway.dispatch(sender, 'host:restart', {});
        return emit(result, (value: { result: string; delaySeconds: number }) =>
          value.result === 'already-scheduled'
            ? 'A restart was already scheduled on this server.'
            : `Windows restarts this server in ${value.delaySeconds} seconds (cancel with shutdown /a). After you log on again, run ndes-companion resume.`,
        );
      }
      case 'support-bundle': {
        // The bundle as it stands, for support: the same zip the wizard saves.
        let out: string;
        try {
          out = values.out ? checkReportFolder(resolve(values.out)) : join(companion.dataDir, 'Support');
        } catch (error) {
          io.err(failureText(toFailure(error)));
          return EXIT.usage;
        }
        await gateway.dispatch(cliSender(io, true, false), 'host:identity', {});
        const bundle = await companion.supportBundle((message) => {
          if (!values.json) io.err(message);
        });
        let path: string;
        try {
          path = writeFileSafely(checkRealFolder(out), bundle.fileName, bundle.zip);
        } catch (error) {
          io.err(failureText(toFailure(error)));
          return EXIT.failed;
        }
        for (const note of bundle.manifest.notes) io.err(`warning: ${note}`);
        if (values.json)
          io.out(
            JSON.stringify(
              {
                ok: true,
                value: { path, files: bundle.manifest.files.map((file) => file.path), notes: bundle.manifest.notes },
              },
              null,
              2,
            ),
          );
        else
          io.out(
            `The support bundle is ${path} (${bundle.manifest.files.length} files, listed with their SHA-256 in its manifest.json; secrets removed).`,
          );
        return EXIT.ok;
      }
      case 'check': {
        const checkInputs = Object.fromEntries(
          [
            ['internalUrl', values['internal-url']],
            ['externalUrl', values['external-url']],
            ['proxyAddress', values.proxy],
            ['tenantId', values['tenant-id']],
            ['verifiedDomains', values['verified-domain']?.join(',')],
            ['timeoutSeconds', values.timeout],
            ['longUrlKb', values['long-url-kb']],
          ].filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
        );
        const result = await gateway.dispatch(sender, 'checks:run', {
          scope: values['external-url'] ? 'all' : 'readiness',
          inputs: checkInputs,
        });
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else if (result.ok) io.out(checkTable(result.value as CheckReport));
        else io.err(failureText(result.error));
        if (!result.ok) return result.error.code === 'INVALID_REQUEST' ? EXIT.usage : EXIT.failed;
        const verdict = (result.value as CheckReport).verdict;
        return verdict === 'ready' ? EXIT.ok : verdict === 'incomplete' ? EXIT.incomplete : EXIT.failed;
      }
      default:
        return emit(
          await gateway.dispatch(sender, 'host:identity', {}),
          (value: { computerName: string; osCaption: string; osBuild: number; elevated: boolean }) =>
            `${value.computerName}: ${value.osCaption} (build ${value.osBuild}), ${value.elevated ? 'elevated' : 'NOT elevated: run as administrator'}`,
        );
    }
  } finally {
    companion.close();
  }
}
