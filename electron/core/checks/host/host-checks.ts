import { CompanionError } from '../../errors.ts';
import { docs } from '../../runbook/docs.ts';
import { fail, pass, skipped, warn, type CheckSpec, type Finding } from '../check.ts';
import type { HostFacts } from './facts.ts';

const DOTNET_472 = 461_808;
const LIMIT = 65_534;
const DAY = 86_400_000;

type Judge = (facts: HostFacts, now: Date) => Finding;

/**
 * Host and NDES/IIS checks, all judged from one PowerShell run (Get-HostReadiness.ps1).
 * `facts` is shared: however many checks there are, PowerShell starts once.
 */
export function hostChecks(facts: () => Promise<HostFacts>): CheckSpec[] {
  const spec = (id: string, group: 'host' | 'ndes', title: string, severity: CheckSpec['severity'], docUrl: string, judge: Judge): CheckSpec => ({
    id,
    group,
    title,
    severity,
    docUrl,
    probe: async (context) => {
      let value: HostFacts;
      try {
        value = await facts();
      } catch (error) {
        if (error instanceof CompanionError && error.code === 'POWERSHELL_UNAVAILABLE') return skipped(error.message);
        return fail(`The host facts could not be read: ${error instanceof Error ? error.message : String(error)}`, error instanceof CompanionError ? error.remediation : 'Run the companion elevated and try again.');
      }
      if (group === 'ndes' && value.ndes === null) return skipped('NDES is not installed on this server (the connector may run elsewhere).');
      return judge(value, context.now);
    },
  });
  const ndes = (facts: HostFacts) => facts.ndes as NonNullable<HostFacts['ndes']>;

  return [
    spec('host.os', 'host', 'Windows Server 2016 or later', 'critical', docs.configureConnectors, ({ os }) => {
      const evidence = [`${os.caption}, build ${os.build}`];
      if (os.productType === 1) return fail('This is a client edition of Windows; the connector needs Windows Server.', 'Run the companion on the Windows Server that will host the connector.', evidence);
      if (os.build < 14_393) return fail('The connector needs Windows Server 2016 (build 14393) or later.', 'Use a server running Windows Server 2016, 2019, 2022 or 2025.', evidence);
      return pass(...evidence);
    }),
    spec('host.elevated', 'host', 'The companion runs elevated', 'critical', docs.registerConnectorPowerShell, ({ elevated }) =>
      elevated ? pass('Administrator token present') : fail('The companion is not running as administrator: installing, registering and reading IIS settings all need it.', 'Close the companion and start it with "Run as administrator".', ['No administrator token']),
    ),
    spec('host.server-core', 'host', 'Desktop Experience or Server Core', 'info', docs.configureConnectors, ({ os }) =>
      os.serverCore ? warn('This is Server Core: there is no browser for sign-in here.', 'Use device-code sign-in (step 2) or the CLI; everything else works the same.', ['InstallationType: Server Core'], 'info') : pass('Desktop Experience'),
    ),
    spec('host.dotnet', 'host', '.NET Framework 4.7.2 or later', 'critical', docs.configureConnectors, ({ dotnetRelease }) => {
      if (dotnetRelease === null) return fail('.NET Framework 4.x is not installed.', 'Install .NET Framework 4.8 and restart.', ['No NDP\\v4\\Full Release value']);
      return dotnetRelease >= DOTNET_472 ? pass(`Release ${dotnetRelease}`) : fail(`.NET Framework release ${dotnetRelease} is older than 4.7.2 (461808); connector 1.5.3437.0 and later need 4.7.2.`, 'Install .NET Framework 4.8 and restart the server.', [`Release ${dotnetRelease}`]);
    }),
    spec('host.tls12', 'host', 'TLS 1.2 enabled for client and server', 'critical', docs.configureConnectors, ({ tls12 }) => {
      const evidence = [`Client Enabled=${tls12.clientEnabled ?? 'default'} DisabledByDefault=${tls12.clientDisabledByDefault ?? 'default'}; Server Enabled=${tls12.serverEnabled ?? 'default'} DisabledByDefault=${tls12.serverDisabledByDefault ?? 'default'}`];
      const off = tls12.clientEnabled === 0 || tls12.serverEnabled === 0 || tls12.clientDisabledByDefault === 1 || tls12.serverDisabledByDefault === 1;
      return off
        ? fail('TLS 1.2 is disabled in SCHANNEL; the connector and application proxy accept only TLS 1.2.', 'Set TLS 1.2\\Client and \\Server to Enabled=1, DisabledByDefault=0 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols, then restart.', evidence)
        : pass(...evidence);
    }),
    spec('host.strong-crypto', 'host', '.NET uses strong cryptography (SchUseStrongCrypto)', 'warning', docs.configureConnectors, ({ tls12 }) => {
      const evidence = [`SchUseStrongCrypto=${tls12.schUseStrongCrypto ?? 'not set'} (64-bit), ${tls12.schUseStrongCryptoWow64 ?? 'not set'} (32-bit)`];
      return tls12.schUseStrongCrypto === 1
        ? pass(...evidence)
        : warn('SchUseStrongCrypto is not 1: .NET applications may not offer TLS 1.2.', 'Set HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 SchUseStrongCrypto=1 (DWORD) and restart the server, as Microsoft\'s connector prerequisites require.', evidence);
    }),
    spec('host.ie-esc', 'host', 'IE Enhanced Security Configuration', 'info', docs.protectNdes, ({ ieEsc }) =>
      ieEsc.admins === 1
        ? warn('IE Enhanced Security Configuration is on for administrators; it blocks the installer\'s own sign-in page.', 'Nothing to do if you register with the companion (token, no embedded page). For an interactive registration, turn it off in Server Manager > Local Server during the install.', [`IsInstalled (admins) = 1`], 'info')
        : pass(`IsInstalled (admins) = ${ieEsc.admins ?? 'not set'}`),
    ),
    spec('host.execution-policy', 'host', 'PowerShell execution policy is not locked by Group Policy', 'critical', docs.troubleshootConnectors, ({ executionPolicies }) => {
      if (!executionPolicies) return warn('The execution policy could not be read.', 'Run Get-ExecutionPolicy -List and check MachinePolicy and UserPolicy are Undefined.', [], 'warning');
      const byGpo = executionPolicies.filter((entry) => (entry.scope === 'MachinePolicy' || entry.scope === 'UserPolicy') && entry.policy !== 'Undefined');
      const evidence = executionPolicies.map((entry) => `${entry.scope}: ${entry.policy}`);
      const blocking = byGpo.filter((entry) => entry.policy === 'Restricted' || entry.policy === 'AllSigned');
      if (blocking.length) return fail(`Group Policy sets the execution policy to ${blocking.map((entry) => entry.policy).join('/')}; the connector installer fails with "Failed to retrieve the current execution policy".`, 'Set the GPO "Turn on Script Execution" to Not Configured (or allow local and remote signed scripts) and run gpupdate.', evidence);
      if (byGpo.length) return warn('Group Policy sets the execution policy; it allows scripts today, but a change there breaks the connector installer.', 'Keep "Turn on Script Execution" compatible with the connector installer.', evidence, 'info');
      return pass(...evidence);
    }),
    spec('host.time-source', 'host', 'The clock is synchronised from a time source', 'warning', docs.troubleshootConnectors, ({ timeSource }) => {
      if (!timeSource) return warn('The Windows time source could not be read.', 'Run w32tm /query /status.', [], 'info');
      return /Local CMOS Clock|Free-running/i.test(timeSource)
        ? warn('The clock is not synchronised (local CMOS clock): certificate and token validation fail when it drifts.', 'Point Windows Time at the domain hierarchy or an NTP server (w32tm /config /syncfromflags:domhier /update).', [`Source: ${timeSource}`])
        : pass(`Source: ${timeSource.trim()}`);
    }),
    spec('host.proxy-config', 'host', 'Outbound proxy settings agree', 'warning', docs.connectorsWithProxy, ({ winhttpProxy, connector }) => {
      const configured = connector.configs.filter((config) => config.present && config.proxyAddress);
      const evidence = [`WinHTTP: ${winhttpProxy.configured ? 'proxy set' : 'direct'}`, ...connector.configs.map((config) => `${config.file}: ${config.present ? (config.enabled === 'false' ? 'proxy disabled' : `proxy ${config.proxyAddress ?? '(system default)'}`) : 'no defaultProxy'}`)];
      if (configured.length && !winhttpProxy.configured) return warn('The connector uses a proxy but WinHTTP does not: certificate chain and CRL checks fail ("Failed to validate chain of certificate").', 'Run netsh winhttp set proxy <proxy:port> "<bypass list>" so system components use the same proxy.', evidence);
      if (connector.installed && configured.length === 1) return warn('Only one of the two connector services has a proxy configured.', 'Run ConfigureOutBoundProxy.ps1 (step 5); it sets both the connector and the updater.', evidence);
      return pass(...evidence);
    }),
    spec('host.connector', 'host', 'Private network connector on this server', 'info', docs.registerConnectorPowerShell, ({ connector }) => {
      if (!connector.installed) return pass('Not installed yet (step 3 installs it).');
      const evidence = [`Version ${connector.version ?? 'unknown'} in ${connector.directory ?? '?'}`, ...connector.services.map((service) => `${service.name}: ${service.status} (${service.startType})`)];
      const stopped = connector.services.filter((service) => service.status !== 'Running');
      if (connector.services.length < 2 || stopped.length) return fail(`The connector is installed but ${stopped.length ? stopped.map((service) => service.name).join(' and ') : 'a service'} is not running.`, 'Start WAPCSvc and WAPCUpdaterSvc (Automatic start); if they stop again, read the connector\'s Admin event log.', evidence, 'critical');
      return pass(...evidence);
    }),
    spec('host.password-protection', 'host', 'No Microsoft Entra Password Protection proxy here', 'critical', docs.configureConnectors, ({ passwordProtectionProxy }) =>
      passwordProtectionProxy
        ? fail('The Password Protection proxy is installed; it ships a different, incompatible version of the Connector Agent Updater.', 'Install the connector on another server.', ['Service AzureADPasswordProtectionProxy present'])
        : pass('Not installed'),
    ),
    spec('ndes.app-pool', 'ndes', 'The SCEP application pool is running', 'critical', docs.troubleshootScep, (facts) => {
      const pool = ndes(facts).appPool;
      if (!pool) return fail('The SCEP application pool was not found in IIS.', 'Reinstall the NDES role service; it creates the SCEP pool.');
      const evidence = [`${pool.name ?? 'SCEP'}: ${pool.state ?? '?'}, identity ${pool.identity ?? '?'}${pool.userName ? ` (${pool.userName})` : ''}`];
      return pool.state === 'Started' ? pass(...evidence) : fail('The SCEP application pool is stopped: mscep.dll answers 503.', 'Start it in IIS Manager; if it stops again, read the Application log (intermediate CA in Trusted Root, unreachable CRL, expired NDES policy certificate).', evidence);
    }),
    spec('ndes.request-limits', 'ndes', 'IIS request filtering allows long SCEP URLs (65534)', 'critical', docs.scepConfigure, (facts) => {
      const limits = ndes(facts).requestLimits;
      if (!limits) return fail('The request filtering limits could not be read.', 'Check with: appcmd list config "Default Web Site" /section:requestfiltering');
      const evidence = [`maxUrl=${limits.maxUrl}, maxQueryString=${limits.maxQueryString}`];
      return limits.maxUrl >= LIMIT && limits.maxQueryString >= LIMIT
        ? pass(...evidence)
        : fail('Request filtering limits are below 65534: long SCEP requests get 404.14/404.15.', 'Default Web Site > Request Filtering > Edit Feature Settings: Maximum URL length and Maximum query string = 65534, then reboot.', evidence);
    }),
    spec('ndes.http-sys', 'ndes', 'HTTP.sys allows long SCEP URLs (65534)', 'critical', docs.scepConfigure, (facts) => {
      const { maxFieldLength, maxRequestBytes } = ndes(facts).httpSys;
      const evidence = [`MaxFieldLength=${maxFieldLength ?? 'default (16384)'}, MaxRequestBytes=${maxRequestBytes ?? 'default (16384)'}`];
      return (maxFieldLength ?? 0) >= LIMIT && (maxRequestBytes ?? 0) >= LIMIT
        ? pass(...evidence)
        : fail('HTTP.sys limits are below 65534: long SCEP requests get 414 before IIS sees them.', 'Set HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters MaxFieldLength and MaxRequestBytes to 65534 (DWORD), then reboot (iisreset is not enough).', evidence);
    }),
    spec('ndes.reboot', 'ndes', 'No reboot pending', 'warning', docs.scepConfigure, (facts) =>
      ndes(facts).rebootPending
        ? warn('Windows has a reboot pending: HTTP.sys and request-limit changes take effect only after it.', 'Reboot the server in the change window (not iisreset), then run readiness again.', ['RebootPending / PendingFileRenameOperations present'])
        : pass(`Last boot ${facts.os.lastBoot ?? 'unknown'}`),
    ),
    spec('ndes.ra-certificates', 'ndes', 'NDES RA certificates present and valid', 'critical', docs.troubleshootScep, (facts, now) => {
      const certs = ndes(facts).raCertificates;
      const evidence = certs.map((cert) => `${cert.template}: ${cert.subject}, expires ${cert.notAfter.slice(0, 10)}${cert.hasPrivateKey ? '' : ', NO private key'}`);
      for (const template of ['EnrollmentAgentOffline', 'CEPEncryption']) {
        if (!certs.some((cert) => cert.template === template)) return fail(`No ${template} RA certificate in the computer store.`, 'Reinstall NDES (as an Enterprise Admin) or enrol the RA certificate from its template.', evidence);
      }
      const noKey = certs.filter((cert) => !cert.hasPrivateKey);
      if (noKey.length) return fail('An RA certificate has no private key on this server.', 'Re-enrol the RA certificate here so its key is in the computer store.', evidence);
      const days = Math.min(...certs.map((cert) => Math.floor((new Date(cert.notAfter).getTime() - now.getTime()) / DAY)));
      if (days < 0) return fail(`An RA certificate expired ${-days} day(s) ago: mscep.dll answers 500 and no device can enrol.`, 'Renew both RA certificates (EnrollmentAgentOffline, CEPEncryption), give the NDES service account read access to their keys, restart IIS.', evidence);
      if (days < 30) return warn(`An RA certificate expires in ${days} days.`, 'Renew both RA certificates before they expire.', evidence);
      return pass(...evidence);
    }),
    spec('ndes.templates', 'ndes', 'MSCEP templates point at your SCEP template', 'warning', docs.scepConfigure, (facts) => {
      const templates = ndes(facts).mscepTemplates;
      const values = [templates.signature, templates.encryption, templates.generalPurpose];
      const evidence = [`SignatureTemplate=${templates.signature ?? '-'}, EncryptionTemplate=${templates.encryption ?? '-'}, GeneralPurposeTemplate=${templates.generalPurpose ?? '-'}`];
      if (values.some((value) => value === null)) return fail('An MSCEP template value is missing.', 'Set SignatureTemplate, EncryptionTemplate and GeneralPurposeTemplate under HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP to your SCEP template name.', evidence);
      if (values.every((value) => value === 'IPSECIntermediateOffline')) return warn('All three MSCEP templates are still the default (IPSECIntermediateOffline).', 'Set them to the template name (not display name) of your Intune SCEP certificate template.', evidence);
      return pass(...evidence);
    }),
    spec('ndes.intune-connector', 'ndes', 'Certificate Connector for Microsoft Intune installed and running', 'critical', docs.scepConfigure, (facts) => {
      const connector = ndes(facts).intuneConnector;
      if (!connector.installed) return fail('The Certificate Connector for Microsoft Intune is not installed: mscep.dll answers with the NDES page, and Intune cannot issue.', 'Install the Certificate Connector for Microsoft Intune on this server with the SCEP feature.', []);
      const evidence = [`Version ${connector.version ?? '?'}; ${connector.serviceName ?? 'service'}: ${connector.serviceStatus ?? 'not found'}`];
      return connector.serviceStatus === 'Running' ? pass(...evidence) : fail('The Intune connector\'s service is not running.', `Start ${connector.serviceName ?? 'the connector service'} and set it to Automatic.`, evidence);
    }),
    spec('ndes.default-web-site', 'ndes', 'IIS "Default Web Site" exists under its own name', 'warning', docs.scepConfigure, (facts) => {
      const sites = ndes(facts).sites;
      if (!sites) return warn('The IIS sites could not be listed.', 'Run appcmd list site.', [], 'info');
      return sites.includes('Default Web Site') ? pass(`Sites: ${sites.join(', ')}`) : warn('"Default Web Site" was renamed or removed; NDES and the Intune connector expect it.', 'Rename the site back to "Default Web Site".', [`Sites: ${sites.join(', ')}`]);
    }),
  ];
}
