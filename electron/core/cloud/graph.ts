import { CompanionError } from '../errors.ts';
import type { CloudHttp, CloudResponse } from '../ports.ts';
import type { CloudProfile } from './clouds.ts';
import { causeOf, explainRefusal, type GraphCause } from './graph-causes.ts';

/**
 * A thin Microsoft Graph client with the guarantees the steps rely on, rather than
 * @microsoft/microsoft-graph-client: that client brings its own fetch and middleware chain,
 * while every request here must go through the one HTTPS edge (certificates verified, the lab's
 * names) that sign-in uses. What it guarantees:
 *   - 429 and 503 honour Retry-After (seconds or an HTTP date), never less than a second; other 5xx
 *     and dropped connections back off exponentially; every wait with up to 10% jitter; all within
 *     a bounded total time; a POST (a create) is retried only
 *     on 429, never after an answer that leaves open whether it happened;
 *   - @odata.nextLink is followed only on Graph's own host;
 *   - 401: the token is refreshed once, then "sign in again";
 *   - paging through @odata.nextLink;
 *   - 404 right after a create can be retried (replication lag) when the caller says so;
 *   - errors in people's words, naming the role or consent a 403 lacks when the caller says which.
 * Every call is reported (method and URL, never a header or a token) before it is sent.
 */
export interface GraphOptions {
  http: CloudHttp;
  cloud: CloudProfile;
  token(options?: { forceRefresh?: boolean }): Promise<string>;
  /** Each request, in order, as the admin will see it listed. */
  onCall?(call: { method: string; url: string }): void;
  /** How each request ended: its final status, Graph's error code when refused, and the request id. */
  onAnswer?(answer: { method: string; url: string; status: number; requestId: string | null; code?: string }): void;
  sleep?(ms: number): Promise<void>;
  now?(): number;
  /** 0 ≤ x < 1, for the retry jitter. */
  random?(): number;
  /** The most any one call may take, retries included. */
  maxTotalMs?: number;
  maxAttempts?: number;
}

export interface CallOptions {
  version?: 'v1.0' | 'beta';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** What a 403 means for this call: the role or permission it needs, said to the admin. */
  needs?: string;
  /** Retry 404 for a while: the object was just created and may not have replicated yet. */
  replicationLag?: boolean;
}

export class GraphError extends CompanionError {
  constructor(
    code: 'GRAPH_FAILED' | 'GRAPH_DENIED' | 'NEEDS_SIGN_IN',
    message: string,
    remediation: string,
    readonly status: number,
    readonly graphCode: string,
    /** What Graph itself said and the request id to quote to Microsoft support, when it answered. */
    readonly answer: { message: string; requestId: string | null; method: string; path: string } | null = null,
  ) {
    super(code, message, remediation);
  }

  /** The cause in the companion's terms, from Graph's status, code and text (graph-causes.ts). */
  get graphCause(): GraphCause {
    return causeOf(this.status, this.graphCode, this.answer?.message ?? '');
  }
}

function retryAfterMs(headers: Record<string, string>, now: number): number | null {
  const value = headers['retry-after'];
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

/** Graph's error object (learn.microsoft.com/graph/errors): code, message, and innerError's request-id. */
function graphErrorOf(response: CloudResponse): { code: string; message: string; requestId: string | null } {
  const header = response.headers['request-id'] ?? null;
  try {
    const parsed = JSON.parse(response.body) as {
      error?: { code?: string; message?: string; innerError?: { 'request-id'?: string } };
    };
    return {
      code: parsed.error?.code ?? `HTTP ${response.status}`,
      message: (parsed.error?.message ?? '').slice(0, 500),
      requestId: parsed.error?.innerError?.['request-id'] ?? header,
    };
  } catch {
    return { code: `HTTP ${response.status}`, message: '', requestId: header };
  }
}

export class Graph {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: GraphOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  url(path: string, version: 'v1.0' | 'beta' = 'v1.0'): string {
    if (path.startsWith('https://')) {
      // A next link must stay on Graph: the bearer token goes wherever it points.
      if (new URL(path).origin !== new URL(this.options.cloud.graph).origin)
        throw new GraphError(
          'GRAPH_FAILED',
          `Microsoft Graph pointed the next page at another host (${new URL(path).host}).`,
          'Report this; the companion sent nothing there.',
          0,
          'foreign-link',
        );
      return path;
    }
    return `${this.options.cloud.graph}/${version}${path.startsWith('/') ? path : `/${path}`}`;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    options: CallOptions = {},
  ): Promise<T> {
    const url = this.url(path, options.version);
    try {
      const answered = await this.send(method, url, options);
      this.options.onAnswer?.({ method, url, status: answered.status, requestId: answered.requestId });
      return answered.value as T;
    } catch (error) {
      if (error instanceof GraphError)
        this.options.onAnswer?.({
          method,
          url,
          status: error.status,
          requestId: error.answer?.requestId ?? null,
          code: error.graphCode,
        });
      throw error;
    }
  }

  private async send(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options: CallOptions,
  ): Promise<{ status: number; requestId: string | null; value: unknown }> {
    const started = this.now();
    const budget = this.options.maxTotalMs ?? 120_000;
    const attempts = this.options.maxAttempts ?? 6;
    let refreshed = false;
    let lastProblem = '';
    // A create that failed in transit may have happened: it is not sent twice; the step looks again.
    const ambiguous = (status: number) =>
      new GraphError(
        'GRAPH_FAILED',
        `Microsoft Graph did not confirm ${method} ${new URL(url).pathname} (${lastProblem}); it may or may not have been made.`,
        'Run the step again: it looks for what exists before creating anything.',
        status,
        'ambiguous-create',
      );
    this.options.onCall?.({ method, url });
    for (let attempt = 1; ; attempt += 1) {
      if (options.signal?.aborted)
        throw new GraphError(
          'GRAPH_FAILED',
          'The Microsoft Graph call was cancelled.',
          'Run the step again when ready.',
          0,
          'cancelled',
        );
      const token = await this.options.token(refreshed ? { forceRefresh: true } : {});
      let response: CloudResponse | null = null;
      try {
        response = await this.options.http.request(method, url, {
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...options.headers,
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      let wait: number;
      if (response) {
        if (response.status >= 200 && response.status < 300)
          return {
            status: response.status,
            requestId: response.headers['request-id'] ?? null,
            value: response.body === '' ? undefined : JSON.parse(response.body),
          };
        const problem = graphErrorOf(response);
        lastProblem = `${response.status} ${problem.code}${problem.message ? `: ${problem.message}` : ''}`;
        if (response.status === 401) {
          if (!refreshed) {
            refreshed = true;
            continue;
          }
          throw new GraphError(
            'NEEDS_SIGN_IN',
            'Microsoft Graph no longer accepts the sign-in.',
            'Sign in again.',
            401,
            problem.code,
          );
        }
        const answer = { message: problem.message, requestId: problem.requestId, method, path: new URL(url).pathname };
        if (response.status === 403) {
          const explained = explainRefusal({ status: 403, code: problem.code, ...answer }, options.needs);
          throw new GraphError('GRAPH_DENIED', explained.message, explained.remedy, 403, problem.code, answer);
        }
        if (response.status === 404 && options.replicationLag) wait = Math.min(2000 * attempt, 10_000);
        else if (response.status === 429)
          wait = retryAfterMs(response.headers, this.now()) ?? Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else if (response.status >= 500 && method === 'POST') throw ambiguous(response.status);
        else if (response.status === 503)
          wait = retryAfterMs(response.headers, this.now()) ?? Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else if (response.status >= 500) wait = Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else {
          const explained = explainRefusal({ status: response.status, code: problem.code, ...answer }, options.needs);
          throw new GraphError(
            'GRAPH_FAILED',
            explained.message,
            explained.remedy,
            response.status,
            problem.code,
            answer,
          );
        }
      } else {
        if (method === 'POST') throw ambiguous(0);
        wait = Math.min(1000 * 2 ** (attempt - 1), 30_000);
      }
      // At least a second (Retry-After: 0 is not "at once"), and a little jitter, so many clients
      // throttled together do not come back together (learn.microsoft.com/graph/throttling).
      wait = Math.max(1000, wait) + Math.floor(this.random() * Math.min(1000, Math.max(1000, wait) / 10));
      if (attempt >= attempts || this.now() - started + wait > budget) {
        const path = new URL(url).pathname;
        const status = response?.status ?? 0;
        // Said by what kept it from answering: throttling, an object not replicated yet, or no answer at all.
        const remedy =
          status === 429
            ? 'Microsoft Graph is throttling this tenant (429, Retry-After honoured every time). Wait a few minutes and run the step again; it carries on from what exists.'
            : status === 404 && options.replicationLag
              ? 'The object was created but has not replicated in Microsoft Entra ID yet. Wait a few minutes and run the step again: it finds the object and carries on.'
              : 'Try again in a few minutes; if it persists, check this server reaches graph.microsoft.com (Readiness).';
        throw new GraphError(
          'GRAPH_FAILED',
          `Microsoft Graph did not answer ${method} ${path} within ${attempt} attempt(s) (${lastProblem}).`,
          remedy,
          status,
          status === 429 ? 'throttled' : 'retries-exhausted',
          response ? { message: lastProblem, requestId: response.headers['request-id'] ?? null, method, path } : null,
        );
      }
      await this.sleep(wait);
    }
  }

  /** A new token from the sign-in (its refresh token), so it carries the roles held now. */
  async refreshToken(): Promise<void> {
    await this.options.token({ forceRefresh: true });
  }

  get<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', path, options);
  }

  /** Every item of a collection, following @odata.nextLink. */
  async list<T>(path: string, options: CallOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = this.url(path, options.version);
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.call('GET', next, options);
      items.push(...(page.value ?? []));
      next = page['@odata.nextLink'];
    }
    return items;
  }
}
