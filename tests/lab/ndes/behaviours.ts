/**
 * What the fake NDES does, scenario by scenario. Defaults are a healthy NDES prepared for
 * Intune (request limits raised to 65534, connector installed, RA certificates valid).
 */
export interface NdesBehaviour {
  name: string;
  description: string;
  welcomePage: boolean;
  /** Intune Certificate Connector (policy module) loaded: bare mscep.dll answers 403. */
  intuneConnector: boolean;
  /** SCEP application pool running; when stopped HTTP.sys answers 503 for /certsrv. */
  appPoolRunning: boolean;
  /** NDES service account usable; when not, mscep.dll answers 500. */
  serviceAccountOk: boolean;
  /** IIS request filtering (requestLimits). */
  maxUrl: number;
  maxQueryString: number;
  /** HTTP.sys (HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters). */
  maxFieldLength: number;
  maxRequestBytes: number;
  /** Days until the RA certificates expire (negative: already expired). */
  raValidDays: number;
  /** Content-Type sent with GetCACaps; null sends none (older NDES builds). */
  capsContentType: string | null;
  /** IIS shows detailed errors (404.15 …) to local requests. */
  detailedErrors: boolean;
}

const healthy: NdesBehaviour = {
  name: 'healthy',
  description: 'NDES ready for Intune: limits raised, connector installed, RA certificates valid for a year.',
  welcomePage: true,
  intuneConnector: true,
  appPoolRunning: true,
  serviceAccountOk: true,
  maxUrl: 65534,
  maxQueryString: 65534,
  maxFieldLength: 65534,
  maxRequestBytes: 65534,
  raValidDays: 365,
  capsContentType: 'text/plain',
  detailedErrors: true,
};

export const ndesBehaviours: Record<string, NdesBehaviour> = {
  healthy,
  'connector-missing': {
    ...healthy,
    name: 'connector-missing',
    description: 'NDES without the Intune Certificate Connector: mscep.dll shows its information page (200).',
    intuneConnector: false,
  },
  'ra-expiring': {
    ...healthy,
    name: 'ra-expiring',
    description: 'The RA certificates expire in 12 days.',
    raValidDays: 12,
  },
  'ra-expired': {
    ...healthy,
    name: 'ra-expired',
    description: 'The RA certificates expired 3 days ago; mscep.dll answers 500.',
    raValidDays: -3,
    serviceAccountOk: false,
  },
  'app-pool-stopped': {
    ...healthy,
    name: 'app-pool-stopped',
    description: 'The SCEP application pool is stopped: HTTP.sys answers 503.',
    appPoolRunning: false,
  },
  'limits-too-low': {
    ...healthy,
    name: 'limits-too-low',
    description: 'Request filtering and HTTP.sys left at their defaults (maxQueryString 2048, MaxFieldLength 16384).',
    maxUrl: 4096,
    maxQueryString: 2048,
    maxFieldLength: 16384,
    maxRequestBytes: 16384,
  },
  'not-ready': {
    ...healthy,
    name: 'not-ready',
    description: 'NDES as installed, before the Intune preparation: limits at defaults, no Intune connector.',
    intuneConnector: false,
    maxUrl: 4096,
    maxQueryString: 2048,
    maxFieldLength: 16384,
    maxRequestBytes: 16384,
  },
  'httpsys-too-low': {
    ...healthy,
    name: 'httpsys-too-low',
    description: 'IIS limits raised but HTTP.sys left at 16384: long URLs get 414.',
    maxFieldLength: 16384,
    maxRequestBytes: 16384,
  },
  'welcome-removed': {
    ...healthy,
    name: 'welcome-removed',
    description: 'A hardened server with the IIS welcome page removed.',
    welcomePage: false,
  },
  'caps-no-content-type': {
    ...healthy,
    name: 'caps-no-content-type',
    description: 'GetCACaps without a Content-Type header, as some NDES builds send it.',
    capsContentType: null,
  },
};
