import { CompanionError } from '../../errors.ts';
import { docs } from '../../runbook/docs.ts';
import { fail, pass, warn, type CheckSpec } from '../check.ts';
import type { HostFacts } from './facts.ts';
import { DOTNET_472, HOST_FACTS_TIMEOUT_MS, isOn, unreadable, couldNotRead, type CheckKit } from './check-kit.ts';

/** The checks of this server itself (group host): OS, elevation, .NET, TLS, policy, time, proxy, connector. */
export function serverChecks({ facts, spec, hostFact }: CheckKit): CheckSpec[] {
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
  ];
}
