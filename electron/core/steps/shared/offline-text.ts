import type { InputSpec } from '../../../contract/model.ts';

/**
 * What the offline runbook's text is written with and checked by: each step's own offline.ts
 * (the portal path of a cloud step, a local step done by hand, what the admin records) uses these.
 */

/** What the runbook knows that the portal steps are written with. */
export interface RunbookValues {
  internalUrl: string | null;
  externalUrl: string | null;
  /** This server's DNS name, as Windows reported it. */
  connectorServer: string | null;
  tenantId: string | null;
  appName: string | null;
}

export type Confirmation =
  { ok: true; lines: string[]; readBack?: Record<string, string> } | { ok: false; message: string; remedy: string };

export interface ConfirmSpec {
  /** The fields the admin fills in from the portal, shown in offline mode instead of the step's inputs. */
  fields: InputSpec[];
  judge(inputs: Record<string, string>): Confirmation;
}

export const PORTAL = 'Microsoft Entra admin center (https://entra.microsoft.com)';
export const APP_PROXY = `${PORTAL} > Identity > Applications > Enterprise applications > Application proxy`;

export const or = (value: string | null, placeholder: string) => value ?? placeholder;
export const yes = (value: string | undefined) => ['yes', 'y', 'true'].includes((value ?? '').trim().toLowerCase());
export const confirmField = (id: string, label: string, help: string): InputSpec => ({
  id,
  label,
  help,
  kind: 'choice',
  required: true,
  choices: ['', 'yes'],
});
export const refuse = (message: string, remedy: string): Confirmation => ({ ok: false, message, remedy });

export const withSlash = (url: string) => url.replace(/\/?$/, '/');
