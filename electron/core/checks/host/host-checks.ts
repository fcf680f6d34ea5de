import { CompanionError } from '../../errors.ts';
import { docs } from '../../runbook/docs.ts';
import { fail, pass, skipped, warn, type CheckSpec, type Finding } from '../check.ts';
import type { HostFacts, RaCertificate } from './facts.ts';

const DOTNET_472 = 461_808;
const LIMIT = 65_534;
const DAY = 86_400_000;
/**
 * How long the host facts may take: Windows PowerShell 5.1 starts cold in seconds on a busy
 * server, then appcmd, w32tm and whoami run. The runner stops PowerShell at this deadline and
 * says it was slow; the checks wait a little longer so that message, not a network one, wins.
 */
export const HOST_FACTS_TIMEOUT_MS = 90_000;

type Ndes = NonNullable<HostFacts['ndes']>;
type Judge = (facts: HostFacts, now: Date) => Finding;

/**
 * A fact Windows would not give: the check could not look, so it is skipped as "could not run"
 * with the reason (never a pass, and never a verdict about the server), and the verdict
 * becomes Incomplete.
 */
function unreadable(facts: HostFacts, fact: string, what: string): Finding {
  const problem = facts.problems.find((entry) => entry.fact === fact);
  const reason = problem
    ? `${problem.message} (${problem.errorId}, ${problem.category})`
    : 'Windows did not report it.';
  const remediation =
    problem?.category === 'PermissionDenied'
      ? 'Start the companion with "Run as administrator" so it can read this setting, then run the checks again.'
      : `Read ${what} by hand on this server; if WMI or the registry is damaged, repair it and run the checks again.`;
  return skipped(`Could not run: ${what} could not be read. ${reason}`, 'could-not-run', remediation);
}

/**
 * When PowerShell could not read the server at all, a check did not look: it is skipped as
 * "could not run" with the reason (never passed), and the verdict becomes Incomplete.
 */
function couldNotRead(error: unknown): Finding {
  if (error instanceof CompanionError && error.code === 'CANCELLED')
    return skipped('Cancelled before PowerShell finished.', 'cancelled');
  const message = error instanceof Error ? error.message : String(error);
  const remediation =
    error instanceof CompanionError
      ? error.remediation
      : 'Run the checks again; if it repeats, export the support bundle.';
  return skipped(`Could not run: PowerShell could not read this server. ${message}`, 'could-not-run', remediation);
}

/** A value Windows may hold as a DWORD or, when a script wrote it, the string "True"/"False". */
function isOn(value: number | string | null): boolean {
  return value === 1 || (typeof value === 'string' && /^(1|true)$/i.test(value));
}

/** The newest valid RA certificate of a role, if any; old ones beside it are only leftovers. */
function newestValid(certs: RaCertificate[], role: RaCertificate['role'], now: Date): RaCertificate | undefined {
  return certs
    .filter(
      (cert) =>
        cert.role === role &&
        new Date(cert.notBefore).getTime() <= now.getTime() &&
        new Date(cert.notAfter).getTime() > now.getTime(),
    )
    .sort((a, b) => new Date(b.notAfter).getTime() - new Date(a.notAfter).getTime())[0];
}

/**
 * Host and NDES/IIS checks, all judged from one PowerShell run (Get-HostReadiness.ps1).
 * `facts` is shared: however many checks there are, PowerShell starts once.
 */
export function hostChecks(facts: () => Promise<HostFacts>): CheckSpec[] {
  const spec = (
    id: string,
    group: 'host' | 'ndes',
    title: string,
    severity: CheckSpec['severity'],
    docUrl: string,
    judge: Judge,
  ): CheckSpec => ({
    id,
    group,
    title,
    severity,
    docUrl,
    timeoutMs: HOST_FACTS_TIMEOUT_MS + 5_000,
    probe: async (context) => {
      let value: HostFacts;
      try {
        value = await facts();
      } catch (error) {
        return couldNotRead(error);
      }
      if (group === 'ndes' && value.ndes === null)
        return skipped('NDES is not installed on this server (the connector may run elsewhere).');
      return judge(value, context.now);
    },
  });
  /** Judges one NDES fact, or says why it could not be read. */
  const ndesFact =
    <K extends keyof Ndes>(
      key: K,
      what: string,
      judge: (value: NonNullable<Ndes[K]>, facts: HostFacts, now: Date) => Finding,
    ): Judge =>
    (facts, now) => {
      const ndes = facts.ndes as Ndes;
      const value = ndes[key];
      return value === null ? unreadable(facts, String(key), what) : judge(value as NonNullable<Ndes[K]>, facts, now);
    };
  const hostFact =
    <K extends keyof HostFacts>(
      key: K,
      what: string,
      judge: (value: NonNullable<HostFacts[K]>, facts: HostFacts, now: Date) => Finding,
    ): Judge =>
    (facts, now) => {
      const value = facts[key];
      return value === null
        ? unreadable(facts, String(key), what)
        : judge(value as NonNullable<HostFacts[K]>, facts, now);
    };

  return [
    {
      id: 'host.powershell',
      group: 'host',
      title: "Windows PowerShell runs the companion's scripts",
      severity: 'critical',
      docUrl: docs.troubleshootConnectors,
      timeoutMs: HOST_FACTS_TIMEOUT_MS + 5_000,
      probe: async () => {
        let value: HostFacts;
        try {
          value = await facts();
        } catch (error) {
          if (
            !(error instanceof CompanionError) ||
            error.code === 'POWERSHELL_UNAVAILABLE' ||
            error.code === 'CANCELLED'
          )
            return couldNotRead(error);
          return fail(error.message, error.remediation, [`${error.code}`]);
        }
        const evidence = [`PowerShell ${value.psVersion}, ${value.languageMode}`];
        if (value.languageMode === 'ConstrainedLanguage') {
          return warn(
            "AppLocker or WDAC script rules apply: the companion's scripts run in ConstrainedLanguage mode (they are written for it). Scripts your policy trusts, such as Microsoft-signed ones, run normally.",
            'Nothing to do for the companion. If the connector installer or its scripts are blocked later, allow Microsoft-signed scripts in the policy.',
            evidence,
            'info',
          );
        }
        return pass(...evidence);
      },
    },
    spec(
      'host.os',
      'host',
      'Windows Server 2016 or later',
      'critical',
      docs.configureConnectors,
      hostFact('os', 'The operating system (Win32_OperatingSystem)', (os) => {
        const evidence = [`${os.caption}, build ${os.build}`];
        if (os.productType === 1)
          return fail(
            'This is a client edition of Windows; the connector needs Windows Server.',
            'Run the companion on the Windows Server that will host the connector.',
            evidence,
          );
        if (os.build < 14_393)
          return fail(
            'The connector needs Windows Server 2016 (build 14393) or later.',
            'Use a server running Windows Server 2016, 2019, 2022 or 2025.',
            evidence,
          );
        return pass(...evidence);
      }),
    ),
    spec(
      'host.elevated',
      'host',
      'The companion runs elevated',
      'critical',
      docs.registerConnectorPowerShell,
      hostFact('elevated', 'Whether this session is elevated (whoami /groups)', (elevated) =>
        elevated
          ? pass('High mandatory level (elevated token)')
          : fail(
              'The companion is not running as administrator: installing, registering and reading IIS settings all need it.',
              'Close the companion and start it with "Run as administrator".',
              ['Medium mandatory level: not elevated'],
            ),
      ),
    ),
    spec(
      'host.server-core',
      'host',
      'Desktop Experience or Server Core',
      'info',
      docs.configureConnectors,
      hostFact('os', 'The installation type', (os) =>
        os.serverCore
          ? warn(
              'This is Server Core: there is no browser for sign-in here.',
              'Use device-code sign-in (step 2) or the CLI; everything else works the same.',
              ['InstallationType: Server Core'],
              'info',
            )
          : pass('Desktop Experience'),
      ),
    ),
    spec('host.dotnet', 'host', '.NET Framework 4.7.2 or later', 'critical', docs.configureConnectors, (facts) => {
      const { dotnetRelease } = facts;
      if (facts.problems.some((problem) => problem.fact === 'dotnetRelease'))
        return unreadable(facts, 'dotnetRelease', 'The .NET Framework release (NDP\\v4\\Full)');
      if (dotnetRelease === null)
        return fail(
          '.NET Framework 4.x is not installed (no Release value under NDP\\v4\\Full).',
          'Install .NET Framework 4.8 and restart.',
          ['No NDP\\v4\\Full Release value'],
        );
      return dotnetRelease >= DOTNET_472
        ? pass(`Release ${dotnetRelease}`)
        : fail(
            `.NET Framework release ${dotnetRelease} is older than 4.7.2 (461808); connector 1.5.3437.0 and later need 4.7.2.`,
            'Install .NET Framework 4.8 and restart the server.',
            [`Release ${dotnetRelease}`],
          );
    }),
    spec(
      'host.tls12',
      'host',
      'TLS 1.2 enabled for client and server',
      'critical',
      docs.configureConnectors,
      hostFact('tls12', 'The SCHANNEL TLS 1.2 settings', (tls12) => {
        const evidence = [
          `Client Enabled=${tls12.clientEnabled ?? 'not set (on)'} DisabledByDefault=${tls12.clientDisabledByDefault ?? 'not set (0)'}; Server Enabled=${tls12.serverEnabled ?? 'not set (on)'} DisabledByDefault=${tls12.serverDisabledByDefault ?? 'not set (0)'}`,
        ];
        const off =
          tls12.clientEnabled === 0 ||
          tls12.serverEnabled === 0 ||
          tls12.clientDisabledByDefault === 1 ||
          tls12.serverDisabledByDefault === 1;
        return off
          ? fail(
              'TLS 1.2 is disabled in SCHANNEL; the connector and application proxy accept only TLS 1.2.',
              'Set TLS 1.2\\Client and \\Server to Enabled=1, DisabledByDefault=0 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols, then restart.',
              evidence,
            )
          : pass(...evidence);
      }),
    ),
    spec(
      'host.strong-crypto',
      'host',
      '.NET uses strong cryptography (SchUseStrongCrypto)',
      'warning',
      docs.configureConnectors,
      hostFact('tls12', 'The .NET strong cryptography setting', (tls12) => {
        const evidence = [
          `SchUseStrongCrypto=${tls12.schUseStrongCrypto ?? 'not set'} (64-bit), ${tls12.schUseStrongCryptoWow64 ?? 'not set'} (32-bit)`,
        ];
        return tls12.schUseStrongCrypto === 1
          ? pass(...evidence)
          : warn(
              'SchUseStrongCrypto is not 1: .NET applications may not offer TLS 1.2.',
              "Set HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 SchUseStrongCrypto=1 (DWORD) and restart the server, as Microsoft's connector prerequisites require.",
              evidence,
            );
      }),
    ),
    spec(
      'host.ie-esc',
      'host',
      'IE Enhanced Security Configuration',
      'info',
      docs.protectNdes,
      hostFact('ieEsc', 'IE Enhanced Security Configuration', (ieEsc) =>
        isOn(ieEsc.admins)
          ? warn(
              "IE Enhanced Security Configuration is on for administrators; it blocks the installer's own sign-in page.",
              'Nothing to do if you register with the companion (token, no embedded page). For an interactive registration, turn it off in Server Manager > Local Server during the install.',
              [`IsInstalled (admins) = ${ieEsc.admins}`],
              'info',
            )
          : pass(`IsInstalled (admins) = ${ieEsc.admins ?? 'not set (Server Core has no IE)'}`),
      ),
    ),
    spec(
      'host.execution-policy',
      'host',
      'PowerShell execution policy is not locked by Group Policy',
      'critical',
      docs.troubleshootConnectors,
      (facts) => {
        const { executionPolicies } = facts;
        if (!executionPolicies)
          return unreadable(facts, 'executionPolicies', 'The execution policy (Get-ExecutionPolicy -List)');
        const byGpo = executionPolicies.filter(
          (entry) => (entry.scope === 'MachinePolicy' || entry.scope === 'UserPolicy') && entry.policy !== 'Undefined',
        );
        const evidence = executionPolicies.map((entry) => `${entry.scope}: ${entry.policy}`);
        const blocking = byGpo.filter((entry) => entry.policy === 'Restricted' || entry.policy === 'AllSigned');
        if (blocking.length)
          return fail(
            `Group Policy sets the execution policy to ${blocking.map((entry) => entry.policy).join('/')}; the connector installer fails with "Failed to retrieve the current execution policy".`,
            'Set the GPO "Turn on Script Execution" to Not Configured (or allow local and remote signed scripts) and run gpupdate.',
            evidence,
          );
        if (byGpo.length)
          return warn(
            'Group Policy sets the execution policy; it allows scripts today, but a change there breaks the connector installer.',
            'Keep "Turn on Script Execution" compatible with the connector installer.',
            evidence,
            'info',
          );
        return pass(...evidence);
      },
    ),
    spec(
      'host.time-source',
      'host',
      'The clock is synchronised from a time source',
      'warning',
      docs.troubleshootConnectors,
      hostFact('time', 'The Windows Time configuration', (time) => {
        const evidence = [
          `W32Time service ${time.serviceStatus ?? 'not found'}, Type=${time.type ?? 'not set'}${time.ntpServer ? `, NtpServer=${time.ntpServer}` : ''}`,
          time.statusExitCode === 0
            ? `w32tm /query /status: leap indicator ${time.leapIndicator ?? '?'}, ReferenceId ${time.referenceId ?? '?'}${time.source ? `, source ${time.source}` : ''}`
            : `w32tm /query /status exited with ${time.statusExitCode}`,
        ];
        const resync =
          'Point Windows Time at the domain hierarchy or an NTP server (w32tm /config /syncfromflags:domhier /update, or /manualpeerlist:<server>), then w32tm /resync.';
        if (time.serviceStatus !== 'Running' || time.statusExitCode !== 0)
          return warn(
            'The Windows Time service is not running, so the clock is not being synchronised: certificate and token validation fail when it drifts.',
            `Start the Windows Time service (Set-Service W32Time -StartupType Automatic; Start-Service W32Time), then ${resync}`,
            evidence,
          );
        if (time.type === 'NoSync')
          return warn(
            'Windows Time is set not to synchronise (Type=NoSync): certificate and token validation fail when the clock drifts.',
            resync,
            evidence,
          );
        // Read as numbers, not words: leap indicator 3 is "not synchronised" and ReferenceId LOCL a
        // clock running on itself, in every language w32tm speaks.
        if (time.localClock)
          return warn(
            'The clock runs on itself (ReferenceId LOCL, the local CMOS clock), not on a time source.',
            resync,
            evidence,
          );
        if (time.leapIndicator === 3)
          return warn(
            'Windows Time has not synchronised the clock (leap indicator 3: not synchronised).',
            resync,
            evidence,
          );
        return pass(...evidence);
      }),
    ),
    spec('host.proxy-config', 'host', 'Outbound proxy settings agree', 'warning', docs.connectorsWithProxy, (facts) => {
      const { winhttpProxy, connector } = facts;
      if (!winhttpProxy) return unreadable(facts, 'winhttpProxy', 'The WinHTTP proxy setting');
      if (!connector) return unreadable(facts, 'connector', 'The connector installation');
      const configured = connector.configs.filter(
        (config) => config.present && config.enabled !== 'false' && config.proxyAddress,
      );
      const evidence = [
        `WinHTTP: ${winhttpProxy.direct ? `direct${winhttpProxy.present ? '' : ' (never set)'}` : `proxy ${winhttpProxy.proxy ?? '?'}${winhttpProxy.bypass ? `, bypass ${winhttpProxy.bypass}` : ''}`}`,
        ...connector.configs.map(
          (config) =>
            `${config.file}: ${config.present ? (config.enabled === 'false' ? 'proxy disabled' : `proxy ${config.proxyAddress ?? '(system default)'}`) : 'no defaultProxy'}`,
        ),
      ];
      if (configured.length && winhttpProxy.direct)
        return warn(
          'The connector uses a proxy but WinHTTP does not: certificate chain and CRL checks fail ("Failed to validate chain of certificate").',
          'Run netsh winhttp set proxy <proxy:port> "<bypass list>" so system components use the same proxy.',
          evidence,
        );
      if (connector.installed && configured.length === 1)
        return warn(
          'Only one of the two connector services has a proxy configured.',
          'Run ConfigureOutBoundProxy.ps1 (step 5); it sets both the connector and the updater.',
          evidence,
        );
      return pass(...evidence);
    }),
    spec(
      'host.connector',
      'host',
      'Private network connector on this server',
      'info',
      docs.registerConnectorPowerShell,
      hostFact('connector', 'The connector installation', (connector) => {
        if (!connector.installed) return pass('Not installed yet (step 3 installs it).');
        const evidence = [
          `Version ${connector.version ?? 'unknown'} in ${connector.directory ?? '?'}`,
          ...connector.services.map((service) => `${service.name}: ${service.status} (${service.startType})`),
        ];
        const missing = ['WAPCSvc', 'WAPCUpdaterSvc'].filter(
          (name) => !connector.services.some((service) => service.name === name),
        );
        const stopped = connector.services
          .filter((service) => service.status !== 'Running')
          .map((service) => service.name);
        const down = [...missing, ...stopped];
        if (down.length)
          return fail(
            `The connector is installed but ${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} not running.`,
            "Start WAPCSvc and WAPCUpdaterSvc (Automatic start); if they stop again, read the connector's Admin event log.",
            evidence,
            'critical',
          );
        return pass(...evidence);
      }),
    ),
    spec(
      'host.password-protection',
      'host',
      'No Microsoft Entra Password Protection proxy here',
      'critical',
      docs.configureConnectors,
      hostFact('passwordProtectionProxy', 'The Password Protection proxy service', (present) =>
        present
          ? fail(
              'The Password Protection proxy is installed; it ships a different, incompatible version of the Connector Agent Updater.',
              'Install the connector on another server.',
              ['Service AzureADPasswordProtectionProxy present'],
            )
          : pass('Not installed'),
      ),
    ),
    spec(
      'ndes.app-pool',
      'ndes',
      'The SCEP application pool is running',
      'critical',
      docs.troubleshootScep,
      (facts) => {
        const pool = (facts.ndes as Ndes).appPool;
        const problem = facts.problems.find((entry) => entry.fact === 'appPool');
        if (problem) return unreadable(facts, 'appPool', 'The SCEP application pool (appcmd list apppool)');
        if (!pool)
          return fail(
            'The SCEP application pool was not found in IIS.',
            'Reinstall the NDES role service; it creates the SCEP pool.',
          );
        const evidence = [
          `${pool.name ?? 'SCEP'}: ${pool.state ?? '?'}, identity ${pool.identity ?? '?'}${pool.userName ? ` (${pool.userName})` : ''}`,
        ];
        return pool.state === 'Started'
          ? pass(...evidence)
          : fail(
              'The SCEP application pool is stopped: mscep.dll answers 503.',
              'Start it in IIS Manager; if it stops again, read the Application log (intermediate CA in Trusted Root, unreachable CRL, expired NDES policy certificate).',
              evidence,
            );
      },
    ),
    spec(
      'ndes.request-limits',
      'ndes',
      'IIS request filtering allows long SCEP URLs (65534)',
      'critical',
      docs.scepConfigure,
      ndesFact('requestLimits', 'The request filtering limits (appcmd list config)', (limits) => {
        const evidence = [
          `maxUrl=${limits.maxUrl}${limits.maxUrlSet ? '' : ' (IIS default)'}, maxQueryString=${limits.maxQueryString}${limits.maxQueryStringSet ? '' : ' (IIS default)'}`,
        ];
        return limits.maxUrl >= LIMIT && limits.maxQueryString >= LIMIT
          ? pass(...evidence)
          : fail(
              'Request filtering limits are below 65534: long SCEP requests get 404.14/404.15.',
              'Default Web Site > Request Filtering > Edit Feature Settings: Maximum URL length and Maximum query string = 65534, then reboot.',
              evidence,
            );
      }),
    ),
    spec(
      'ndes.http-sys',
      'ndes',
      'HTTP.sys allows long SCEP URLs (65534)',
      'critical',
      docs.scepConfigure,
      ndesFact('httpSys', 'The HTTP.sys limits (HTTP\\Parameters)', ({ maxFieldLength, maxRequestBytes }) => {
        const evidence = [
          `MaxFieldLength=${maxFieldLength ?? 'not set (default 16384)'}, MaxRequestBytes=${maxRequestBytes ?? 'not set (default 16384)'}`,
        ];
        return (maxFieldLength ?? 0) >= LIMIT && (maxRequestBytes ?? 0) >= LIMIT
          ? pass(...evidence)
          : fail(
              'HTTP.sys limits are below 65534: long SCEP requests get 414 before IIS sees them.',
              'Set HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters MaxFieldLength and MaxRequestBytes to 65534 (DWORD), then reboot (iisreset is not enough).',
              evidence,
            );
      }),
    ),
    spec(
      'ndes.reboot',
      'ndes',
      'No reboot pending',
      'warning',
      docs.scepConfigure,
      ndesFact('rebootPending', 'Whether a reboot is pending', (rebootPending, facts) =>
        rebootPending
          ? warn(
              'Windows has a reboot pending: HTTP.sys and request-limit changes take effect only after it.',
              'Reboot the server in the change window (not iisreset), then run readiness again.',
              ['RebootPending / RebootRequired / PendingFileRenameOperations present'],
            )
          : pass(`Last boot ${facts.os?.lastBoot ?? 'unknown'}`),
      ),
    ),
    spec(
      'ndes.ra-certificates',
      'ndes',
      'NDES RA certificates present and valid',
      'critical',
      docs.troubleshootScep,
      ndesFact('raCertificates', 'The RA certificates (Cert:\\LocalMachine\\My)', (certs, _facts, now) => {
        const evidence = certs.map(
          (cert) =>
            `${cert.role} (${cert.template ?? 'custom template'}): ${cert.subject}, ${cert.notBefore.slice(0, 10)} to ${cert.notAfter.slice(0, 10)}${cert.hasPrivateKey ? '' : ', NO private key'}`,
        );
        const renew =
          'Renew both RA certificates (Exchange Enrollment Agent (Offline request) and CEP Encryption), give the NDES service account read access to their keys, restart IIS.';
        const current = {
          signing: newestValid(certs, 'signing', now),
          encryption: newestValid(certs, 'encryption', now),
        };
        for (const role of ['signing', 'encryption'] as const) {
          if (current[role]) continue;
          const any = certs.filter((cert) => cert.role === role);
          const template = role === 'signing' ? 'Exchange Enrollment Agent (Offline request)' : 'CEP Encryption';
          if (!any.length)
            return fail(
              `No ${role} RA certificate (${template}) in the computer store.`,
              'Reinstall NDES (as an Enterprise Admin) or enrol the RA certificate from its template.',
              evidence,
            );
          const latest = Math.max(...any.map((cert) => new Date(cert.notAfter).getTime()));
          const days = Math.floor((now.getTime() - latest) / DAY);
          return fail(
            `The ${role} RA certificate (${template}) expired ${days} day(s) ago and no valid one replaces it: mscep.dll answers 500 and no device can enrol.`,
            renew,
            evidence,
          );
        }
        const pair = [current.signing, current.encryption] as RaCertificate[];
        const noKey = pair.filter((cert) => !cert.hasPrivateKey);
        if (noKey.length)
          return fail(
            `The ${noKey.map((cert) => cert.role).join(' and ')} RA certificate has no private key on this server.`,
            'Re-enrol the RA certificate here so its key is in the computer store.',
            evidence,
          );
        const days = Math.min(
          ...pair.map((cert) => Math.floor((new Date(cert.notAfter).getTime() - now.getTime()) / DAY)),
        );
        if (days < 30) return warn(`An RA certificate expires in ${days} days.`, renew, evidence);
        const leftovers = certs.filter(
          (cert) => !pair.includes(cert) && new Date(cert.notAfter).getTime() <= now.getTime(),
        );
        if (leftovers.length)
          return warn(
            `${leftovers.length} expired RA certificate(s) remain beside the valid pair; NDES may pick an old one after a restart.`,
            'Delete the expired RA certificates from Cert:\\LocalMachine\\My once the renewed pair works.',
            evidence,
            'warning',
          );
        return pass(...evidence);
      }),
    ),
    spec(
      'ndes.templates',
      'ndes',
      'MSCEP templates point at your SCEP template',
      'warning',
      docs.scepConfigure,
      ndesFact('mscepTemplates', 'The MSCEP template values', (templates) => {
        const values = [templates.signature, templates.encryption, templates.generalPurpose];
        const evidence = [
          `SignatureTemplate=${templates.signature ?? '-'}, EncryptionTemplate=${templates.encryption ?? '-'}, GeneralPurposeTemplate=${templates.generalPurpose ?? '-'}`,
        ];
        if (values.some((value) => value === null))
          return fail(
            'An MSCEP template value is missing.',
            'Set SignatureTemplate, EncryptionTemplate and GeneralPurposeTemplate under HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP to your SCEP template name.',
            evidence,
          );
        if (values.every((value) => value === 'IPSECIntermediateOffline'))
          return warn(
            'All three MSCEP templates are still the default (IPSECIntermediateOffline).',
            'Set them to the template name (not display name) of your Intune SCEP certificate template.',
            evidence,
          );
        return pass(...evidence);
      }),
    ),
    spec(
      'ndes.intune-connector',
      'ndes',
      'Certificate Connector for Microsoft Intune installed and running',
      'critical',
      docs.scepConfigure,
      ndesFact('intuneConnector', 'The Intune certificate connector', (connector) => {
        if (!connector.installed)
          return fail(
            'The Certificate Connector for Microsoft Intune is not installed: mscep.dll answers with the NDES page, and Intune cannot issue.',
            'Install the Certificate Connector for Microsoft Intune on this server with the SCEP feature.',
            [],
          );
        const evidence = [
          `Version ${connector.version ?? '?'}; ${connector.serviceName ?? 'service'}: ${connector.serviceStatus ?? 'not found'}`,
        ];
        return connector.serviceStatus === 'Running'
          ? pass(...evidence)
          : fail(
              "The Intune connector's service is not running.",
              `Start ${connector.serviceName ?? 'the connector service'} and set it to Automatic.`,
              evidence,
            );
      }),
    ),
    spec(
      'ndes.default-web-site',
      'ndes',
      'IIS "Default Web Site" exists under its own name',
      'warning',
      docs.scepConfigure,
      (facts) => {
        const sites = (facts.ndes as Ndes).sites;
        if (!sites) return unreadable(facts, 'sites', 'The IIS sites (appcmd list site)');
        return sites.includes('Default Web Site')
          ? pass(`Sites: ${sites.join(', ')}`)
          : warn(
              '"Default Web Site" was renamed or removed; NDES and the Intune connector expect it.',
              'Rename the site back to "Default Web Site".',
              [`Sites: ${sites.length ? sites.join(', ') : 'none'}`],
            );
      },
    ),
  ];
}
