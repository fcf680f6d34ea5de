import { CompanionError } from '../errors.ts';

/**
 * The national clouds, one table every step uses. Sign-in and Graph hosts: Microsoft Graph
 * national cloud deployments (learn.microsoft.com/graph/deployments). The custom-app template
 * ids: reference docs/reference/domain.md §5.1. The connector's install environment and App Proxy suffix:
 * docs/reference/domain.md §1.3 and §4.2 — for China neither is documented in our references, so they are
 * null and whatever depends on them says so instead of guessing.
 */
export type CloudName = 'global' | 'usgov' | 'china';

export interface CloudProfile {
  name: CloudName;
  label: string;
  /** Microsoft Entra ID's sign-in host (the authority is https://<host>/<tenant>). */
  authorityHost: string;
  /** Microsoft Graph's service root. */
  graph: string;
  /** The "Custom" (non-gallery) application template to instantiate. */
  customAppTemplateId: string;
  /** ENVIRONMENTNAME for the connector installer and registration; null when not documented. */
  connectorEnvironment: 'AzureCloud' | 'AzureUSGovernment' | null;
  /** The domain default external URLs end in; null when not documented. */
  appProxySuffix: string | null;
}

export const CLOUDS: Readonly<Record<CloudName, CloudProfile>> = {
  global: {
    name: 'global',
    label: 'Microsoft Entra ID (global)',
    authorityHost: 'login.microsoftonline.com',
    graph: 'https://graph.microsoft.com',
    customAppTemplateId: '8adf8e6e-67b2-4cf2-a259-e3dc5476c621',
    connectorEnvironment: 'AzureCloud',
    appProxySuffix: 'msappproxy.net',
  },
  usgov: {
    name: 'usgov',
    label: 'US Government (GCC High)',
    authorityHost: 'login.microsoftonline.us',
    graph: 'https://graph.microsoft.us',
    customAppTemplateId: '4602d0b4-76bb-404b-bca9-2652e1a39c6d',
    connectorEnvironment: 'AzureUSGovernment',
    appProxySuffix: 'msappproxy.us',
  },
  china: {
    name: 'china',
    label: 'Operated by 21Vianet (China)',
    authorityHost: 'login.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    customAppTemplateId: '5a532e38-1581-4918-9658-008dc27c1d68',
    connectorEnvironment: null,
    appProxySuffix: null,
  },
};

export function cloudOf(value: string | undefined): CloudProfile {
  const name = (value ?? '').trim().toLowerCase() || 'global';
  if (name === 'global' || name === 'usgov' || name === 'china') return CLOUDS[name];
  throw new CompanionError(
    'INVALID_REQUEST',
    `"${String(value).slice(0, 40)}" is not a cloud: use global, usgov or china.`,
    'Choose global, usgov or china.',
  );
}
