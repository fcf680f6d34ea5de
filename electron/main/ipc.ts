import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { EVENT_CHANNEL, channelNames } from '../contract/channels.ts';
import { createGateway, type Handlers, type Sender } from '../core/ipc/gateway.ts';
import { APP_ORIGIN } from './window-options.ts';

/**
 * The only place ipcMain is used: every contract channel is handled by the one gateway,
 * which checks the sender frame, validates the request and maps errors to envelopes.
 */
export function registerGateway(
  handlers: Handlers,
  trustedContents: Set<number>,
  onInternalError: (error: unknown) => void,
): void {
  const gateway = createGateway(
    handlers,
    { origin: APP_ORIGIN, isKnownContents: (id) => trustedContents.has(id) },
    onInternalError,
  );
  for (const channel of channelNames) {
    ipcMain.handle(channel, (event, payload: unknown) => gateway.dispatch(senderOf(event), channel, payload));
  }
}

function senderOf(event: IpcMainInvokeEvent): Sender {
  const frame = event.senderFrame;
  return {
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
    contentsId: BrowserWindow.fromWebContents(event.sender) ? event.sender.id : -1,
    emit(companionEvent) {
      if (!event.sender.isDestroyed()) event.sender.send(EVENT_CHANNEL, companionEvent);
    },
  };
}
