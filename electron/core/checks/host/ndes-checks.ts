import { docs } from '../../runbook/docs.ts';
import { fail, pass, warn, type CheckSpec } from '../check.ts';
import type { RaCertificate } from './facts.ts';
import { DAY, LIMIT, newestValid, unreadable, type CheckKit, type Ndes } from './check-kit.ts';

/** The checks of NDES and IIS on this server (group ndes), skipped where NDES is not installed. */
export function ndesChecks({ spec, ndesFact }: CheckKit): CheckSpec[] {
  return [
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
