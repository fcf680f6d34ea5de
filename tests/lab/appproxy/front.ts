import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LabCa } from '../tls.ts';

/**
 * A fake Microsoft Entra application proxy front on loopback: HTTPS with a lab certificate,
 * forwarding to the fake NDES like a connector would, adding the x-ms-proxy-* headers the
 * real service adds to every answer, and failing the way the real one fails.
 */
export type FrontBehaviour = 'healthy' | 'connector-down' | 'backend-unreachable' | 'preauth' | 'firewall-403';

export const frontBehaviours: Record<FrontBehaviour, string> = {
  healthy: 'Passthrough app with an active connector that reaches NDES.',
  'connector-down': "No active connector in the app's group: 504 GatewayTimeout.",
  'backend-unreachable': 'The connector cannot reach NDES: 502 BadGateway.',
  preauth: 'Published with Microsoft Entra ID pre-authentication: 302 to the sign-in page.',
  'firewall-403':
    "Something else answers the external URL (a web application firewall): a bare 403 with none of application proxy's headers.",
};

export interface FakeAppProxy {
  hostname: string;
  port: number;
  externalUrl: string;
  behaviour: FrontBehaviour;
  use(behaviour: FrontBehaviour): void;
  close(): Promise<void>;
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CONNECTOR = '3c8e4b2a-9f1d-4e6b-8a7c-5d2e1f0b9a34';

function errorPage(status: string, detail: string): string {
  return `<!DOCTYPE html><html><head><title>Application Proxy</title></head><body><h1>This corporate app can't be accessed right now.</h1><p>${detail}</p><table><tr><td>Status Code</td><td>${status}</td></tr><tr><td>Date</td><td>${new Date().toUTCString()}</td></tr></table></body></html>`;
}

export async function startFakeAppProxy(options: {
  ca: LabCa;
  backend: string;
  hostname?: string;
  behaviour?: FrontBehaviour;
}): Promise<FakeAppProxy> {
  const hostname = options.hostname ?? 'ndes-contoso.msappproxy.net';
  const tls = await options.ca.issue([`*.msappproxy.net`], {
    subject: 'CN=*.msappproxy.net, O=Microsoft Corporation, L=Redmond, ST=WA, C=US',
  });
  let behaviour: FrontBehaviour = options.behaviour ?? 'healthy';
  const backend = new URL(options.backend);

  const server = https.createServer(
    { key: tls.keyPem, cert: tls.chainPem, maxHeaderSize: 256 * 1024 },
    (request, response) => {
      const base = {
        'x-ms-proxy-service-name': 'proxy-appproxy-weur-ams01p-3',
        'x-ms-proxy-data-center': 'WEUR',
        'x-ms-proxy-subscription-id': TENANT,
        'x-ms-proxy-app-id': 'c2b8a7f0-1d3e-4f5a-9b6c-7d8e9f0a1b2c',
        'x-ms-proxy-group-id': 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        'x-ms-proxy-transaction-id': randomUUID(),
      };
      // Something else in front answers (a web application firewall): a bare 403, none of
      // application proxy's headers.
      if (behaviour === 'firewall-403') {
        response.writeHead(403, { 'Content-Type': 'text/html', Server: 'Contoso-WAF' });
        response.end('<html><body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>');
        return;
      }
      if (behaviour === 'preauth') {
        response.writeHead(302, {
          ...base,
          Location: `https://login.microsoftonline.com/${TENANT}/oauth2/authorize?client_id=c2b8a7f0&response_type=code&redirect_uri=https%3a%2f%2f${hostname}%2f`,
        });
        response.end();
        return;
      }
      if (behaviour === 'connector-down') {
        response.writeHead(504, {
          ...base,
          'x-ms-proxy-error-details': 'NoActiveConnector',
          'Content-Type': 'text/html',
        });
        response.end(
          errorPage(
            'GatewayTimeout',
            "This corporate app can't be accessed. There are no active connectors for this application.",
          ),
        );
        return;
      }
      const withConnector = { ...base, 'x-ms-proxy-connector-id': CONNECTOR };
      if (behaviour === 'backend-unreachable') {
        response.writeHead(502, {
          ...withConnector,
          'x-ms-proxy-error-details': 'BackendServiceUnavailable',
          'Content-Type': 'text/html',
        });
        response.end(errorPage('BadGateway', 'The connector could not reach the backend application.'));
        return;
      }
      const upstream = http.request(
        {
          hostname: backend.hostname,
          port: backend.port,
          path: request.url,
          method: request.method,
          headers: { ...request.headers, host: backend.host },
          agent: false,
        },
        (answer) => {
          const headers: Record<string, string | string[]> = { ...withConnector };
          for (const [key, value] of Object.entries(answer.headers))
            if (value !== undefined && key !== 'connection') headers[key] = value;
          response.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => {
        response.writeHead(502, {
          ...withConnector,
          'x-ms-proxy-error-details': 'BackendServiceUnavailable',
          'Content-Type': 'text/html',
        });
        response.end(errorPage('BadGateway', 'The connector could not reach the backend application.'));
      });
      request.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    hostname,
    port,
    externalUrl: `https://${hostname}/`,
    get behaviour() {
      return behaviour;
    },
    use(next) {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
