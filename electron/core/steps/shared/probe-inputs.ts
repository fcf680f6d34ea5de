import type { InputSpec } from '../../../contract/model.ts';
import { DEFAULT_LONG_URL_KB, DEFAULT_TIMEOUT_SECONDS } from './check-step.ts';
import { shown } from '../step.ts';
import { isLongUrlKb, LONG_URL_KB } from '../../checks/input-rules.ts';

/** What Readiness and Verify share: the probe settings and how their URLs are read. */

/** A base URL as the checks use it: ending in "/". */
export function base(inputs: Record<string, string>, id: string, placeholder: string): string {
  const value = shown(inputs, id, placeholder);
  return value.endsWith('/') ? value : `${value}/`;
}

export function longUrlKbOf(inputs: Record<string, string>): number {
  const value = Number(inputs.longUrlKb?.trim() || DEFAULT_LONG_URL_KB);
  return isLongUrlKb(value) ? value : DEFAULT_LONG_URL_KB;
}

export const probeSettings: InputSpec[] = [
  {
    id: 'timeoutSeconds',
    label: 'Probe timeout (seconds)',
    help: `Each probe gives up after this long; default ${DEFAULT_TIMEOUT_SECONDS}.`,
    kind: 'text',
    required: false,
    placeholder: String(DEFAULT_TIMEOUT_SECONDS),
  },
  {
    id: 'longUrlKb',
    label: 'Long-URL probe size (KB)',
    help: `${LONG_URL_KB.min} to ${LONG_URL_KB.max}; Intune requests can be long, default ${DEFAULT_LONG_URL_KB}.`,
    kind: 'text',
    required: false,
    placeholder: String(DEFAULT_LONG_URL_KB),
  },
];
