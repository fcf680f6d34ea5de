import { describe, expect, it } from 'vitest';
import type { CloudHttp, CloudResponse } from '../../electron/core/ports.ts';
import { CLOUDS } from '../../electron/core/cloud/clouds.ts';
import { Graph, GraphError } from '../../electron/core/cloud/graph.ts';

/**
 * The retry and error table of the Graph client. The edge (HTTPS) answers from a script of
 * responses as Microsoft Graph documents them (throttling: 429 with Retry-After in seconds;
 * errors: {"error":{"code","message"}}); the clock is a fake that only moves when the client sleeps.
 */
function harness(answers: (CloudResponse | Error)[], options: { maxTotalMs?: number; random?: () => number } = {}) {
  const sent: { method: string; url: string; auth: string | undefined }[] = [];
  const slept: number[] = [];
  const tokens: boolean[] = [];
  let clock = 0;
  const http: CloudHttp = {
    async request(method, url, request) {
      sent.push({ method, url, auth: request?.headers?.Authorization });
      const next = answers.shift();
      if (!next) throw new Error('no more answers scripted');
      if (next instanceof Error) throw next;
      return next;
    },
    msalNetwork: () => {
      throw new Error('not used');
    },
  };
  const graph = new Graph({
    http,
    cloud: CLOUDS.global,
    token: async (request) => {
      tokens.push(request?.forceRefresh === true);
      return request?.forceRefresh ? 'token-2' : 'token-1';
    },
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    now: () => clock,
    // No jitter unless a test asks for it, so the waits are the ones Graph asked for.
    random: options.random ?? (() => 0),
    ...(options.maxTotalMs ? { maxTotalMs: options.maxTotalMs } : {}),
  });
  return { graph, sent, slept, tokens };
}

const ok = (body: unknown): CloudResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });
const fail = (status: number, code: string, message = '', headers: Record<string, string> = {}): CloudResponse => ({
  status,
  headers,
  body: JSON.stringify({ error: { code, message } }),
});

describe('Microsoft Graph client', () => {
  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    const { graph, slept } = harness([
      fail(429, 'TooManyRequests', 'Too many requests', { 'retry-after': '7' }),
      ok({ id: 'x' }),
    ]);
    await expect(graph.get('/organization')).resolves.toEqual({ id: 'x' });
    expect(slept).toEqual([7000]);
  });

  it('reads Retry-After as an HTTP date too, and backs off exponentially on 5xx and dropped connections', async () => {
    const { graph, slept } = harness([
      fail(503, 'ServiceUnavailable', '', { 'retry-after': new Date(3000).toUTCString() }),
      fail(502, 'BadGateway'),
      new Error('socket hang up'),
      ok({}),
    ]);
    await graph.get('/me');
    expect(slept).toEqual([3000, 2000, 4000]);
  });

  it('gives up within the time budget and says so', async () => {
    const { graph, slept } = harness(
      [
        fail(429, 'TooManyRequests', '', { 'retry-after': '50' }),
        fail(429, 'TooManyRequests', '', { 'retry-after': '50' }),
      ],
      { maxTotalMs: 60_000 },
    );
    const error = await graph.get('/subscribedSkus').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      code: 'GRAPH_FAILED',
      message: expect.stringContaining('within 2 attempt(s) (429 TooManyRequests'),
    });
    expect(slept).toEqual([50_000]);
  });

  it('waits at least a second on Retry-After: 0, and spreads waits with jitter of at most a tenth', async () => {
    const zero = harness([fail(429, 'TooManyRequests', '', { 'retry-after': '0' }), ok({ id: 'x' })]);
    await zero.graph.get('/organization');
    expect(zero.slept).toEqual([1000]);
    const spread = harness([fail(429, 'TooManyRequests', '', { 'retry-after': '7' }), ok({ id: 'x' })], {
      random: () => 0.999,
    });
    await spread.graph.get('/organization');
    expect(spread.slept).toEqual([7699]);
  });

  it('refreshes the token once on 401, then asks for a new sign-in', async () => {
    const first = harness([fail(401, 'InvalidAuthenticationToken'), ok({ value: [] })]);
    await first.graph.get('/me');
    expect(first.tokens).toEqual([false, true]);
    expect(first.sent.map((call) => call.auth)).toEqual(['Bearer token-1', 'Bearer token-2']);
    const second = harness([fail(401, 'InvalidAuthenticationToken'), fail(401, 'InvalidAuthenticationToken')]);
    await expect(second.graph.get('/me')).rejects.toMatchObject({ code: 'NEEDS_SIGN_IN' });
  });

  it('names what a 403 lacks from its cause: the role, consent, or a licence (never the role for a licence)', async () => {
    const denied = harness([
      fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
    ]);
    const role = await denied.graph
      .get('/applications', { needs: 'Application Administrator' })
      .catch((caught: unknown) => caught);
    expect(role).toMatchObject({
      code: 'GRAPH_DENIED',
      graphCause: 'role',
      remediation: expect.stringMatching(
        /^This needs Application Administrator\. Have the role assigned \(Microsoft Entra admin center > Identity > Roles & admins/,
      ),
    });
    const consent = harness([
      fail(403, 'Forbidden', 'AADSTS65001: The user or administrator has not consented to use the application.'),
    ]);
    await expect(consent.graph.get('/subscribedSkus')).rejects.toMatchObject({
      code: 'GRAPH_DENIED',
      graphCause: 'consent',
      message: expect.stringContaining('an administrator has not consented to the permission it needs'),
    });
    // learn.microsoft.com/graph/errors: a 403 is "not enough permission" or "not a required license".
    const licence = harness([fail(403, 'Authorization_RequestDenied', 'The tenant needs an AAD Premium 2 license.')]);
    const unlicensed = await licence.graph
      .call('PATCH', '/applications/x', { needs: 'Application Administrator', body: {} })
      .catch((caught: unknown) => caught);
    expect(unlicensed).toMatchObject({
      graphCause: 'licence',
      remediation: expect.stringContaining('Add the licence: Microsoft 365 admin center > Billing > Purchase services'),
    });
    expect((unlicensed as GraphError).remediation).not.toContain('Application Administrator');
  });

  it("an answer nobody has seen is quoted in Graph's own words with its request id, and no sentence ends twice", async () => {
    const odd = harness([
      {
        status: 418,
        headers: { 'request-id': 'f00d0000-0000-4000-8000-000000000001' },
        body: JSON.stringify({
          error: {
            code: 'Teapot',
            message: 'Short and stout.',
            innerError: { 'request-id': 'f00d0000-0000-4000-8000-000000000001' },
          },
        }),
      },
    ]);
    const error = (await odd.graph.get('/organization').catch((caught: unknown) => caught)) as GraphError;
    expect(error.message).toBe(
      'Microsoft Graph refused GET /v1.0/organization with 418. Microsoft Graph said: Teapot: Short and stout (request id f00d0000-0000-4000-8000-000000000001).',
    );
    expect(error.remediation).toContain(
      'quote the request id f00d0000-0000-4000-8000-000000000001 to Microsoft support',
    );
    expect(`${error.message} ${error.remediation}`).not.toMatch(/\.\./);
  });

  it('retries 404 only for an object just created (replication lag)', async () => {
    const lagging = harness([
      fail(404, 'Request_ResourceNotFound'),
      fail(404, 'Request_ResourceNotFound'),
      ok({ id: 'app' }),
    ]);
    await expect(lagging.graph.get('/applications/app', { replicationLag: true })).resolves.toEqual({ id: 'app' });
    expect(lagging.slept).toEqual([2000, 4000]);
    const missing = harness([fail(404, 'Request_ResourceNotFound', "Resource 'app' does not exist")]);
    await expect(missing.graph.get('/applications/app')).rejects.toMatchObject({ code: 'GRAPH_FAILED', status: 404 });
  });

  it('follows @odata.nextLink across pages, reporting each call', async () => {
    const next = 'https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations?$skiptoken=2';
    const { graph, sent } = harness([ok({ value: [1, 2], '@odata.nextLink': next }), ok({ value: [3] })]);
    await expect(graph.list<number>('/deviceManagement/deviceConfigurations', { version: 'beta' })).resolves.toEqual([
      1, 2, 3,
    ]);
    expect(sent.map((call) => call.url)).toEqual([
      'https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations',
      next,
    ]);
  });

  it('does not retry a request Graph rejected as malformed', async () => {
    const { graph, sent } = harness([
      fail(400, 'Request_BadRequest', "Property 'bogus' does not exist on type 'microsoft.graph.application'."),
    ]);
    await expect(graph.call('PATCH', '/applications/1', { body: { bogus: 1 } })).rejects.toMatchObject({
      message: expect.stringContaining("Property 'bogus' does not exist"),
    });
    expect(sent).toHaveLength(1);
  });

  it('never sends a create twice after an answer that leaves open whether it happened', async () => {
    const lost = harness([new Error('socket hang up')]);
    await expect(lost.graph.call('POST', '/applicationTemplates/x/instantiate', { body: {} })).rejects.toMatchObject({
      graphCode: 'ambiguous-create',
      remediation: expect.stringContaining('looks for what exists'),
    });
    expect(lost.sent).toHaveLength(1);
    const failed = harness([fail(502, 'BadGateway')]);
    await expect(failed.graph.call('POST', '/x', { body: {} })).rejects.toMatchObject({
      graphCode: 'ambiguous-create',
    });
    const throttled = harness([fail(429, 'TooManyRequests', '', { 'retry-after': '1' }), ok({ id: 'created' })]);
    await expect(throttled.graph.call('POST', '/x', { body: {} })).resolves.toEqual({ id: 'created' });
  });

  it("follows a next link only on Graph's own host", async () => {
    const { graph, sent } = harness([ok({ value: [1], '@odata.nextLink': 'https://evil.example/steal?$skiptoken=2' })]);
    await expect(graph.list('/things')).rejects.toMatchObject({ graphCode: 'foreign-link' });
    expect(sent.map((call) => call.url)).toEqual(['https://graph.microsoft.com/v1.0/things']);
  });
});
