import type { Api } from '../../../electron/contract/api.ts';
import { API_GLOBAL } from '../../../electron/contract/constants.ts';

/**
 * The API the host put on `window` (Electron preload or the preview bridge). The renderer
 * has no other way out: no fetch, no Node, no Electron.
 */
export function getApi(): Api | null {
  const candidate = (window as unknown as Record<string, unknown>)[API_GLOBAL];
  return candidate && typeof candidate === 'object' ? (candidate as Api) : null;
}
