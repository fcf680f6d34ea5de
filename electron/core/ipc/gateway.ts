import {
  channels,
  isChannelName,
  type ChannelName,
  type Envelope,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../contract/channels.ts';
import type { CompanionEvent } from '../../contract/model.ts';
import { CompanionError, toFailure } from '../errors.ts';

/**
 * Who sent a request, as every host can describe it. Electron fills it from the IPC event's
 * sender frame; the preview host from the Playwright frame that called the binding.
 */
export interface Sender {
  /** URL of the frame that sent the request; null when the frame is gone. */
  frameUrl: string | null;
  /** True when the frame is its page's top frame. */
  isMainFrame: boolean;
  /** Host-specific id of the window contents; checked against the host's own windows. */
  contentsId: number;
  /** Delivers an event back to this sender's page. */
  emit(event: CompanionEvent): void;
}

export interface HandlerContext {
  emit(event: CompanionEvent): void;
}

export type Handler<C extends ChannelName> = (
  request: ParsedRequestOf<C>,
  context: HandlerContext,
) => Promise<ResponseOf<C>>;
export type Handlers = { [C in ChannelName]: Handler<C> };

export interface TrustPolicy {
  /** The origin the app's own pages are served from, e.g. `app://bundle`. */
  origin: string;
  /** The window contents this host created itself. */
  isKnownContents(contentsId: number): boolean;
}

export function isTrustedSender(sender: Sender, policy: TrustPolicy): boolean {
  if (!sender.isMainFrame || sender.frameUrl === null) return false;
  if (!policy.isKnownContents(sender.contentsId)) return false;
  let url: URL;
  try {
    url = new URL(sender.frameUrl);
  } catch {
    return false;
  }
  const expected = new URL(policy.origin);
  // Custom schemes (app://) have an opaque `origin` in WHATWG URL; compare protocol and host instead.
  return url.protocol === expected.protocol && url.host === expected.host;
}

export interface Gateway {
  dispatch(sender: Sender, channel: unknown, payload: unknown): Promise<Envelope<unknown>>;
}

/**
 * The single door into the handlers: sender check, then schema, then handler, and every
 * outcome, thrown or not, becomes an envelope. It never throws and never rejects.
 */
export function createGateway(
  handlers: Handlers,
  policy: TrustPolicy,
  onInternalError?: (error: unknown) => void,
): Gateway {
  return {
    async dispatch(sender, channel, payload) {
      try {
        if (!isTrustedSender(sender, policy)) {
          throw new CompanionError(
            'SENDER_REJECTED',
            'The request did not come from the companion window.',
            'Only the companion window may call the companion. Restart the app if this appears during normal use.',
          );
        }
        if (!isChannelName(channel)) {
          throw new CompanionError(
            'UNKNOWN_CHANNEL',
            'This request is not part of the companion API.',
            'Update the app: its window and core do not match.',
          );
        }
        const parsed = channels[channel].request.safeParse(payload);
        if (!parsed.success) {
          const first = parsed.error.issues[0];
          const where = first && first.path.length > 0 ? ` at "${first.path.map(String).join('.')}"` : '';
          throw new CompanionError(
            'INVALID_REQUEST',
            `The request for ${channel} was rejected${where}: ${first?.message ?? 'invalid input'}.`,
            'Check the values you entered on this page and try again.',
          );
        }
        const handler = handlers[channel] as Handler<ChannelName>;
        const value = await handler(parsed.data as ParsedRequestOf<ChannelName>, {
          emit: (event) => safeEmit(sender, event),
        });
        return { ok: true, value };
      } catch (error) {
        if (!(error instanceof CompanionError)) onInternalError?.(error);
        return { ok: false, error: toFailure(error) };
      }
    },
  };
}

function safeEmit(sender: Sender, event: CompanionEvent): void {
  try {
    sender.emit(event);
  } catch {
    // The window may have closed mid-run; the journal still has the event.
  }
}
