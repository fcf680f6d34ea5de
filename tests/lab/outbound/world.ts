import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { outboundEndpoints } from '../../../electron/core/checks/outbound/endpoints.ts';
import type { LabCa } from '../tls.ts';

/**
 * Microsoft's outbound endpoints, on loopback: one TLS server answering every :443 name by
 * SNI (certificates from the lab's public-like CA, or from an "inspection" CA for names a
 * scenario says are intercepted), one HTTP server for every :80 name, a black hole that
 * accepts and never answers, a closed port that refuses, and an HTTP proxy that tunnels
 * CONNECT and can demand authentication. The lab resolver sends each name where the
 * scenario says.
 */
export type EndpointBehaviour = 'ok' | 'inspected' | 'blackholed' | 'refused' | 'nxdomain';

export interface OutboundScenario {
  /** "host:port" → behaviour; every endpoint not named is "ok". */
  endpoints?: Record<string, EndpointBehaviour>;
  /** Seconds Microsoft's clock (the Date header) is ahead of ours. */
  clockSkewSeconds?: number;
  proxy?: { requireAuth?: boolean };
}

export const LAB_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export interface OutboundWorld {
  proxyUrl: string;
  /** The lab resolver entries for the current scenario. */
  hosts(): Record<string, string>;
  use(scenario: OutboundScenario): void;
  /** CONNECT requests the proxy saw (host:port), for tests. */
  proxied: string[];
  /** The most connections the black hole held open at one time since the scenario was set. */
  blackholePeak(): number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * `routes`: "host:port" → a lab server that really answers that name (the fake Entra ID for
 * login.microsoftonline.com:443) while the scenario leaves the endpoint "ok".
 */
export async function startOutboundWorld(options: {
  publicCa: LabCa;
  inspectionCa: LabCa;
  extraHosts?: Record<string, string>;
  routes?: Record<string, number>;
}): Promise<OutboundWorld> {
  const endpoints = outboundEndpoints(LAB_TENANT_ID);
  const names443 = [...new Set(endpoints.filter((endpoint) => endpoint.port === 443).map((endpoint) => endpoint.host))];
  const good = await options.publicCa.issue(names443, {
    subject: 'CN=login.microsoftonline.com, O=Microsoft Corporation',
  });
  const intercepted = await options.inspectionCa.issue(names443, { subject: 'CN=*.msappproxy.net' });
  const contexts = {
    ok: tls.createSecureContext({ key: good.keyPem, cert: good.chainPem }),
    inspected: tls.createSecureContext({ key: intercepted.keyPem, cert: intercepted.chainPem }),
  };
  let scenario: OutboundScenario = {};
  const behaviourOf = (host: string, port: number): EndpointBehaviour =>
    scenario.endpoints?.[`${host}:${port}`] ?? 'ok';

  const sockets = new Set<Socket>();
  // A peer resetting (a browser closing, a probe cancelled) ends that socket, never the test process.
  const track = (server: net.Server) =>
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    });

  const tlsServer = tls.createServer(
    {
      SNICallback: (servername, callback) =>
        callback(null, behaviourOf(servername, 443) === 'inspected' ? contexts.inspected : contexts.ok),
      ...{ key: good.keyPem, cert: good.chainPem },
    },
    (socket) => {
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    },
  );
  track(tlsServer);
  const httpServer = http.createServer((_request, response) => {
    response.writeHead(200, {
      Date: new Date(Date.now() + (scenario.clockSkewSeconds ?? 0) * 1000).toUTCString(),
      'Content-Type': 'text/plain',
      Server: 'lab',
    });
    response.end('ok');
  });
  track(httpServer);
  // Accepts and holds the connection without a byte in return: a firewall that drops.
  let held = 0;
  let peak = 0;
  const blackhole = net.createServer({ pauseOnConnect: true }, (socket) => {
    held += 1;
    peak = Math.max(peak, held);
    socket.on('close', () => (held -= 1));
  });
  track(blackhole);
  const closed = net.createServer();
  const [tlsPort, httpPort, blackholePort, refusedPort] = await Promise.all([
    listen(tlsServer),
    listen(httpServer),
    listen(blackhole),
    listen(closed),
  ]);
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const hosts = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const endpoint of endpoints) {
      const behaviour = behaviourOf(endpoint.host, endpoint.port);
      if (behaviour === 'nxdomain') continue;
      const routed = behaviour === 'ok' ? options.routes?.[`${endpoint.host}:${endpoint.port}`] : undefined;
      const port =
        routed ??
        (behaviour === 'blackholed'
          ? blackholePort
          : behaviour === 'refused'
            ? refusedPort
            : endpoint.port === 443
              ? tlsPort
              : httpPort);
      out[`${endpoint.host}:${endpoint.port}`] = `127.0.0.1:${port}`;
    }
    return out;
  };

  const proxied: string[] = [];
  // The proxy reaches what the internet would: Microsoft's endpoints and the app's external URL.
  const resolveTarget = (authority: string): { address: string; port: number } | null => {
    const mapped = { ...hosts(), ...options.extraHosts }[authority.toLowerCase()];
    if (!mapped) return null;
    const [address = '127.0.0.1', port = '0'] = mapped.split(/:(?=\d+$)/);
    return { address, port: Number(port) };
  };
  const needsAuth = (headers: http.IncomingHttpHeaders) =>
    scenario.proxy?.requireAuth === true && !headers['proxy-authorization'];
  const proxy = http.createServer((request, response) => {
    // A browser closing its tab resets its sockets: every stream here has an error listener, so a
    // reset ends that one exchange and is never an uncaught exception in the test process.
    request.on('error', () => response.destroy());
    response.on('error', () => request.destroy());
    if (needsAuth(request.headers)) {
      response.writeHead(407, { 'Proxy-Authenticate': 'Negotiate, NTLM, Basic realm="Contoso proxy"' });
      response.end();
      return;
    }
    const url = new URL(request.url ?? '/');
    const to = resolveTarget(`${url.hostname}:${url.port || 80}`);
    if (!to) {
      response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end('proxy: cannot resolve');
      return;
    }
    const upstream = http.request(
      {
        host: to.address,
        port: to.port,
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...request.headers, host: url.host },
      },
      (answer) => {
        answer.on('error', () => response.destroy());
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (response.headersSent) return void response.destroy();
      response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  proxy.on('clientError', (_error, socket: Socket) => socket.destroy());
  proxy.on('connect', (request: http.IncomingMessage, client: Socket) => {
    client.on('error', () => client.destroy());
    const authority = request.url ?? '';
    proxied.push(authority);
    if (needsAuth(request.headers)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate, NTLM, Basic realm="Contoso proxy"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const to = resolveTarget(authority);
    if (!to) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: to.address, port: to.port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  track(proxy);
  const proxyPort = await listen(proxy);

  return {
    proxyUrl: `http://proxy.contoso.local:8080`,
    hosts: () => ({
      ...hosts(),
      'proxy.contoso.local:8080': `127.0.0.1:${proxyPort}`,
      'proxy.contoso.local': `127.0.0.1:${proxyPort}`,
    }),
    use(next) {
      scenario = next;
      peak = held;
    },
    proxied,
    blackholePeak: () => peak,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [tlsServer, httpServer, blackhole, proxy].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
    },
  };
}
