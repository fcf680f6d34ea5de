import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNdesPki, type NdesPki } from './pki.ts';
import { ndesBehaviours, type NdesBehaviour } from './behaviours.ts';
import {
  HTTPSYS_414,
  HTTPSYS_503,
  HTTPSYS_HEADERS,
  IIS_401,
  IIS_403,
  IIS_404,
  IIS_500,
  IIS_HEADERS,
  IIS_WELCOME,
  NDES_INFO_PAGE,
  iisDetailed404,
} from './iis-pages.ts';

/**
 * A fake NDES on loopback that speaks real SCEP for the operations a health check may use
 * (GetCACaps, GetCACert) and applies IIS request filtering and HTTP.sys limits the way the
 * scenario sets them. Independent SCEP clients (strongSwan, certmonger) must accept it.
 */
export interface NdesRequestLog {
  method: string;
  path: string;
  operation: string | null;
  urlLength: number;
  status: number;
}

export interface FakeNdes {
  url: string;
  port: number;
  behaviour: NdesBehaviour;
  pki: NdesPki;
  requests: NdesRequestLog[];
  use(name: string): Promise<void>;
  close(): Promise<void>;
}

const GETCACAPS_BODY = 'POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n';
const MSCEP = /^\/certsrv\/mscep\/mscep\.dll(\/pkiclient\.exe)?$/i;

export async function startFakeNdes(options: { behaviour?: string; host?: string } = {}): Promise<FakeNdes> {
  const pkiByDays = new Map<number, Promise<NdesPki>>();
  const pkiFor = (days: number) => {
    let pki = pkiByDays.get(days);
    if (!pki) {
      pki = createNdesPki({ raValidDays: days, host: options.host ?? 'NDES01' });
      pkiByDays.set(days, pki);
    }
    return pki;
  };
  const pick = (name: string): NdesBehaviour => {
    const found = ndesBehaviours[name];
    if (!found) throw new Error(`No NDES behaviour "${name}". Known: ${Object.keys(ndesBehaviours).join(', ')}`);
    return found;
  };

  let behaviour = pick(options.behaviour ?? 'healthy');
  let pki = await pkiFor(behaviour.raValidDays);
  const requests: NdesRequestLog[] = [];

  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (request, response) => {
    const rawUrl = request.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = decodeURIComponent(queryAt >= 0 ? rawUrl.slice(0, queryAt) : rawUrl);
    const query = queryAt >= 0 ? rawUrl.slice(queryAt + 1) : '';
    const operation = new URLSearchParams(query).get('operation');
    const send = (status: number, headers: Record<string, string>, body: string | Buffer) => {
      requests.push({ method: request.method ?? 'GET', path, operation, urlLength: rawUrl.length, status });
      response.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const html = (status: number, body: string, headers: Record<string, string> = IIS_HEADERS) =>
      send(status, { ...headers, 'Content-Type': 'text/html' }, body);

    // HTTP.sys first: it answers before IIS ever sees the request.
    const headerBytes = Object.entries(request.headers).reduce(
      (total, [key, value]) => total + key.length + String(value).length + 4,
      0,
    );
    if (rawUrl.length > behaviour.maxFieldLength) return html(414, HTTPSYS_414, HTTPSYS_HEADERS);
    if (rawUrl.length + headerBytes > behaviour.maxRequestBytes)
      return html(
        400,
        HTTPSYS_414.replace(/Request URL Too Long/g, 'Bad Request - Request Too Long').replace(
          'HTTP Error 414. The request URL is too long.',
          'HTTP Error 400. The size of the request headers is too long.',
        ),
        HTTPSYS_HEADERS,
      );
    const underCertsrv = path.toLowerCase().startsWith('/certsrv');
    if (underCertsrv && !behaviour.appPoolRunning) return html(503, HTTPSYS_503, HTTPSYS_HEADERS);

    // IIS request filtering: URL then query string.
    if (path.length > behaviour.maxUrl) return html(404, behaviour.detailedErrors ? iisDetailed404(14) : IIS_404);
    if (query.length > behaviour.maxQueryString)
      return html(404, behaviour.detailedErrors ? iisDetailed404(15) : IIS_404);

    if (path === '/' || path.toLowerCase() === '/iisstart.htm')
      return behaviour.welcomePage ? html(200, IIS_WELCOME) : html(404, IIS_404);
    if (/^\/certsrv\/mscep_admin\/?$/i.test(path))
      return send(401, { ...IIS_HEADERS, 'Content-Type': 'text/html', 'WWW-Authenticate': 'Negotiate, NTLM' }, IIS_401);
    if (!MSCEP.test(path)) return html(404, IIS_404);
    if (!behaviour.serviceAccountOk) return html(500, IIS_500);
    if (request.method !== 'GET' && request.method !== 'POST') return html(405, IIS_404);

    if (operation === null) return behaviour.intuneConnector ? html(403, IIS_403) : html(200, NDES_INFO_PAGE);
    if (operation.toLowerCase() === 'getcacaps') {
      return send(
        200,
        { ...IIS_HEADERS, ...(behaviour.capsContentType ? { 'Content-Type': behaviour.capsContentType } : {}) },
        GETCACAPS_BODY,
      );
    }
    if (operation.toLowerCase() === 'getcacert')
      return send(200, { ...IIS_HEADERS, 'Content-Type': 'application/x-x509-ca-ra-cert' }, pki.bundle);
    // A PKIOperation that reaches NDES with a message it cannot decode (what our long-URL probe
    // and Microsoft's Validate-NDESUrl send): Validate-NDESUrl reports "Server accepts a <n>KB
    // URI" on its 200, and NDES logs an ASN.1 error event (reference/domain.md §8.5). The body
    // of that 200 is captured nowhere, so the lab sends none.
    if (operation.toLowerCase() === 'pkioperation')
      return send(200, { ...IIS_HEADERS, 'Content-Type': 'application/x-pki-message' }, '');
    return html(404, IIS_404);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    get behaviour() {
      return behaviour;
    },
    get pki() {
      return pki;
    },
    requests,
    async use(name) {
      behaviour = pick(name);
      pki = await pkiFor(behaviour.raValidDays);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
