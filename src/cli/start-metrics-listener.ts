import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsContentType } from '../observability/index.js';
import type { MetricsRegistry } from '../observability/index.js';

/**
 * `server.metrics_port`: a second listener that answers only `GET /metrics` (and HEAD), without a key, so a
 * Prometheus scraper needs no admin key. Keep it on a private address (`server.metrics_host`). Every other path is 404.
 */
export async function startMetricsListener(options: {
  readonly registry: MetricsRegistry;
  readonly host: string;
  readonly port: number;
}): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    if (path !== '/metrics' || !isRead) {
      response.writeHead(isRead ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' });
      return void response.end(isRead ? 'Only /metrics is served on this port.\n' : 'Only GET is served.\n');
    }
    const page = options.registry.render();
    response.writeHead(200, { 'content-type': metricsContentType, 'content-length': Buffer.byteLength(page) });
    response.end(page);
  });
  await listen(server, options.host, options.port, 'server.metrics_port');
  const url = `http://${formatHost(options.host)}:${(server.address() as AddressInfo).port}/metrics`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Listens, turning a port already taken into one line naming the setting to change. */
async function listen(server: Server, host: string, port: number, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${formatHost(host)}:${port} is already in use: stop what listens there, or pick another port (${setting}).`,
            )
          : error,
      ),
    );
    server.listen({ port, host }, resolve);
  });
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
