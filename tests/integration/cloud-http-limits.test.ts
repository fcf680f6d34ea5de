import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudHttp } from '../../electron/platform/cloud-http.ts';
import { labNames } from '../lab/edges.ts';
import { createLabCa, type LabCa } from '../lab/tls.ts';

/**
 * Every cloud request has a deadline and a size cap: a server that trickles a byte now and then
 * never trips an idle timeout, and one that sends without end would fill the memory of an
 * elevated process. The servers here are real HTTPS servers on 127.0.0.1 with the lab's CA.
 */
let ca: LabCa;
let server: https.Server;
let port = 0;
const trickles = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  ca = await createLabCa('CN=Cloud HTTP limits test CA');
  const leaf = await ca.issue(['login.microsoftonline.com', 'graph.microsoft.com']);
  server = https.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (request, response) => {
    if (request.url === '/trickle') {
      // Headers at once, then one byte every 50 ms, for ever.
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => response.write(' '), 50);
      trickles.add(timer);
      response.on('close', () => {
        clearInterval(timer);
        trickles.delete(timer);
      });
      return;
    }
    if (request.url === '/big') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(`"${'x'.repeat(64 * 1024)}"`);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const timer of trickles) clearInterval(timer);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(limits: { deadlineMs?: number; maxResponseBytes?: number }) {
  return createCloudHttp({
    names: labNames({ 'graph.microsoft.com': `127.0.0.1:${port}` }, true),
    trustAnchors: [ca.certPem],
    timeoutMs: 30_000,
    ...limits,
  });
}

describe('cloud HTTP limits', () => {
  it('a server trickling a byte every 50 ms is cut off at the deadline, whatever the idle timeout', async () => {
    const error = await client({ deadlineMs: 1_000 })
      .request('GET', 'https://graph.microsoft.com/trickle')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'DEADLINE',
      message: 'graph.microsoft.com did not finish answering within 1 s.',
    });
  });

  it('an answer larger than the cap is refused, not kept', async () => {
    const error = await client({ maxResponseBytes: 16 * 1024 })
      .request('GET', 'https://graph.microsoft.com/big')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TOO_LARGE',
      message: 'graph.microsoft.com sent more than 16 KB; the companion takes no answer that large.',
    });
  });

  it('an answer within both limits is unchanged, and cancelling still says cancelled', async () => {
    await expect(
      client({ deadlineMs: 60_000, maxResponseBytes: 1024 }).request('GET', 'https://graph.microsoft.com/small'),
    ).resolves.toMatchObject({ status: 200, body: '{"ok":true}' });
    const stop = new AbortController();
    const pending = client({}).request('GET', 'https://graph.microsoft.com/trickle', { signal: stop.signal });
    stop.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
