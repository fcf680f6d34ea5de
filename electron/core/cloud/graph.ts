import { CompanionError } from '../errors.ts';
import type { CloudHttp, CloudResponse } from './cloud-http-types.ts';
import type { CloudProfile } from './clouds.ts';

/**
 * A thin Microsoft Graph client with the guarantees the steps rely on, rather than
 * @microsoft/microsoft-graph-client: that client brings its own fetch and middleware chain,
 * while every request here must go through the one HTTPS edge (certificates verified, the lab's
 * names) that sign-in uses. What it guarantees:
 *   - 429 and 503 honour Retry-After (seconds or an HTTP date); other 5xx and dropped connections
 *     back off exponentially; all within a bounded total time; a POST (a create) is retried only
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
  sleep?(ms: number): Promise<void>;
  now?(): number;
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
  ) {
    super(code, message, remediation);
  }
}

function retryAfterMs(headers: Record<string, string>, now: number): number | null {
  const value = headers['retry-after'];
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

function graphErrorOf(response: CloudResponse): { code: string; message: string } {
  try {
    const parsed = JSON.parse(response.body) as { error?: { code?: string; message?: string } };
    return { code: parsed.error?.code ?? `HTTP ${response.status}`, message: parsed.error?.message ?? '' };
  } catch {
    return { code: `HTTP ${response.status}`, message: '' };
  }
}

export class Graph {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: GraphOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  url(path: string, version: 'v1.0' | 'beta' = 'v1.0'): string {
    if (path.startsWith('https://')) {
      // A next link must stay on Graph: the bearer token goes wherever it points.
      if (new URL(path).origin !== new URL(this.options.cloud.graph).origin) throw new GraphError('GRAPH_FAILED', `Microsoft Graph pointed the next page at another host (${new URL(path).host}).`, 'Report this; the companion sent nothing there.', 0, 'foreign-link');
      return path;
    }
    return `${this.options.cloud.graph}/${version}${path.startsWith('/') ? path : `/${path}`}`;
  }

  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
    const url = this.url(path, options.version);
    const started = this.now();
    const budget = this.options.maxTotalMs ?? 120_000;
    const attempts = this.options.maxAttempts ?? 6;
    let refreshed = false;
    let lastProblem = '';
    // A create that failed in transit may have happened: it is not sent twice; the step looks again.
    const ambiguous = (status: number) =>
      new GraphError('GRAPH_FAILED', `Microsoft Graph did not confirm ${method} ${new URL(url).pathname} (${lastProblem}); it may or may not have been made.`, 'Run the step again: it looks for what exists before creating anything.', status, 'ambiguous-create');
    this.options.onCall?.({ method, url });
    for (let attempt = 1; ; attempt += 1) {
      if (options.signal?.aborted) throw new GraphError('GRAPH_FAILED', 'The Microsoft Graph call was cancelled.', 'Run the step again when ready.', 0, 'cancelled');
      const token = await this.options.token(refreshed ? { forceRefresh: true } : {});
      let response: CloudResponse | null = null;
      try {
        response = await this.options.http.request(method, url, {
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      let wait: number;
      if (response) {
        if (response.status >= 200 && response.status < 300) return (response.body === '' ? undefined : JSON.parse(response.body)) as T;
        const problem = graphErrorOf(response);
        lastProblem = `${response.status} ${problem.code}${problem.message ? `: ${problem.message}` : ''}`;
        if (response.status === 401) {
          if (!refreshed) {
            refreshed = true;
            continue;
          }
          throw new GraphError('NEEDS_SIGN_IN', 'Microsoft Graph no longer accepts the sign-in.', 'Sign in again.', 401, problem.code);
        }
        if (response.status === 403) {
          if (/AADSTS65001|consent/i.test(problem.message)) throw new GraphError('GRAPH_DENIED', 'An administrator has not consented to the permission this call needs.', `Consent for the organisation once (Global Administrator or Privileged Role Administrator)${options.needs ? `: ${options.needs}` : ''}.`, 403, problem.code);
          throw new GraphError('GRAPH_DENIED', `Microsoft Graph refused ${method} ${new URL(url).pathname}: ${(problem.message || problem.code).replace(/\.$/, '')}.`, options.needs ? `This needs ${options.needs}.` : 'Sign in with an account that holds the role this step names.', 403, problem.code);
        }
        if (response.status === 404 && options.replicationLag) wait = Math.min(2000 * attempt, 10_000);
        else if (response.status === 429) wait = retryAfterMs(response.headers, this.now()) ?? Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else if (response.status >= 500 && method === 'POST') throw ambiguous(response.status);
        else if (response.status === 503) wait = retryAfterMs(response.headers, this.now()) ?? Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else if (response.status >= 500) wait = Math.min(1000 * 2 ** (attempt - 1), 30_000);
        else throw new GraphError('GRAPH_FAILED', `Microsoft Graph answered ${lastProblem}.`, 'Read the message; if it names a property or value, the request does not match what Graph expects.', response.status, problem.code);
      } else {
        if (method === 'POST') throw ambiguous(0);
        wait = Math.min(1000 * 2 ** (attempt - 1), 30_000);
      }
      if (attempt >= attempts || this.now() - started + wait > budget) {
        throw new GraphError('GRAPH_FAILED', `Microsoft Graph did not answer ${method} ${new URL(url).pathname} within ${attempt} attempt(s) (${lastProblem}).`, 'Try again in a few minutes; if it persists, check this server reaches graph.microsoft.com (Readiness).', response?.status ?? 0, 'retries-exhausted');
      }
      await this.sleep(wait);
    }
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
