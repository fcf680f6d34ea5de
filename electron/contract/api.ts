import { channelNames, type ChannelName, type Envelope, type RequestOf, type ResponseOf } from './channels.ts';
import type { CompanionEvent } from './model.ts';

/**
 * The renderer's API, derived from the contract: channel `domain:verb-name` becomes
 * `api.domain.verbName(request)`. Nothing here is written twice.
 */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type DomainOf<C> = C extends `${infer D}:${string}` ? D : never;
type MethodFor<C extends ChannelName> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{}" is exactly "a request with no required field"
  {} extends RequestOf<C>
    ? (request?: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>
    : (request: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>;

export type Api = {
  [D in DomainOf<ChannelName>]: {
    [C in ChannelName as C extends `${D}:${infer V}` ? Camel<V> : never]: MethodFor<C>;
  };
} & {
  events: { on(listener: (event: CompanionEvent) => void): () => void };
};

export interface ApiPath {
  channel: ChannelName;
  domain: string;
  method: string;
}

function camel(value: string): string {
  return value.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function apiPaths(): ApiPath[] {
  return channelNames.map((channel) => {
    const [domain = '', verb = ''] = channel.split(':');
    return { channel, domain, method: camel(verb) };
  });
}

export type Invoke = (channel: ChannelName, request: unknown) => Promise<unknown>;
export type Subscribe = (listener: (event: CompanionEvent) => void) => () => void;

/**
 * Builds the API object from two transport functions. Used by the Electron preload
 * (ipcRenderer) and by the preview host's page bridge (exposeBinding), so both expose
 * exactly the same surface.
 */
export function buildApi(invoke: Invoke, subscribe: Subscribe): Api {
  const api: Record<string, Record<string, (request?: unknown) => Promise<unknown>>> = {};
  for (const { channel, domain, method } of apiPaths()) {
    const group = (api[domain] ??= {});
    group[method] = (request?: unknown) => invoke(channel, request ?? {});
  }
  const events = { on: (listener: (event: CompanionEvent) => void) => subscribe(listener) };
  return Object.freeze({ ...api, events: Object.freeze(events) }) as unknown as Api;
}

/** Every dotted path of the API, for contract tests: `runbook.list`, `events.on`, … */
export function listApiPaths(api: unknown): string[] {
  const out: string[] = [];
  if (api === null || typeof api !== 'object') return out;
  for (const [domain, group] of Object.entries(api as Record<string, unknown>)) {
    if (group === null || typeof group !== 'object') continue;
    for (const [method, fn] of Object.entries(group as Record<string, unknown>)) {
      if (typeof fn === 'function') out.push(`${domain}.${method}`);
    }
  }
  return out.sort();
}
