import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../contract/api.ts';
import { API_GLOBAL, EVENT_CHANNEL } from '../contract/channels.ts';
import type { CompanionEvent } from '../contract/model.ts';

/**
 * Exposes only the contract's API (docs/reference/electron.md §2.1, checklist item 20): named functions, never ipcRenderer,
 * and listeners receive the event payload, never the IpcRendererEvent.
 */
const api = buildApi(
  (channel, request) => ipcRenderer.invoke(channel, request),
  (listener) => {
    const forward = (_event: unknown, payload: CompanionEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
);

contextBridge.exposeInMainWorld(API_GLOBAL, api);
