import { buildApi } from '../contract/api.ts';
import { API_GLOBAL } from '../contract/channels.ts';
import type { CompanionEvent } from '../contract/model.ts';

/**
 * Runs inside the preview page before any app script (an init script), and plays the
 * preload's part: it builds the same API object from the contract, over the Playwright
 * binding instead of ipcRenderer. The binding leads to the same gateway as every other
 * call, so whatever reaches it is checked for sender and schema like the API's own calls.
 */
type Binding = (channel: string, payload: unknown) => Promise<unknown>;
const scope = window as unknown as Record<string, unknown>;
const binding = scope.__companionIpc as Binding | undefined;

if (binding && !scope[API_GLOBAL]) {
  const listeners = new Set<(event: CompanionEvent) => void>();
  Object.defineProperty(window, '__companionEmit', {
    value: (event: CompanionEvent) => {
      for (const listener of listeners) listener(event);
    },
    enumerable: false,
  });
  const api = buildApi(
    (channel, request) => binding(channel, request),
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  );
  Object.defineProperty(window, API_GLOBAL, { value: api, enumerable: true });
}
