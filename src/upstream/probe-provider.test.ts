import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseOutboundAllowList } from '../net/index.js';
import { createTestProvider } from '../routing/test-support.js';
import { probeProvider } from './probe-provider.js';
import type { ProbeOptions } from './probe-provider.js';

const providerKey = 'sk-probe-test-0123456789abcdef';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** One loopback server; what it answers depends on the path. Counts connections: "nothing sent" is checked. */
const seen: Seen[] = [];
let connections = 0;
const server: Server = createServer((request, response) => {
  seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
  if (request.url === '/hang/models') return;
  if (request.url === '/denied/models') {
    // Real providers quote part of a wrong key back: the probe must not pass the body on.
    response.writeHead(401, { 'content-type': 'application/json' });
    return void response.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${providerKey}` } }));
  }
  if (request.url === '/moved/models') {
    response.writeHead(302, { location: '/ok/models' });
    return void response.end();
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ object: 'list', data: [{ id: 'model-a' }], padding: 'x'.repeat(200_000) }));
});
server.on('connection', () => {
  connections += 1;
});
let base = '';
/** A loopback port nothing listens on (a server opened, then closed). */
let closedBase = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  connections = 0;
});

const options: ProbeOptions = {
  path: '/models',
  headers: {},
  timeoutMs: 2_000,
  allowList: parseOutboundAllowList([]),
};

describe('probeProvider', () => {
  it('sends one GET to <base>/models with the Bearer key and the configured headers → ok with the status', async () => {
    const provider = createTestProvider('up', {
      baseUrl: `${base}/ok`,
      apiKey: providerKey,
      headers: { 'x-extra': 'configured' },
    });
    const probe = await probeProvider(provider, options);
    expect(probe).toEqual({ kind: 'ok', statusCode: 200, latencyMs: expect.any(Number) as number });
    expect(seen.map(({ method, path }) => `${method} ${path}`)).toEqual(['GET /ok/models']);
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${providerKey}`);
    expect(seen[0]!.headers['x-extra']).toBe('configured');
  });

  it('sends the key in the provider’s own header, with the protocol’s headers', async () => {
    const provider = createTestProvider('claude', {
      protocol: 'anthropic-messages',
      baseUrl: `${base}/ok`,
      apiKey: providerKey,
      authHeader: 'x-api-key',
    });
    const probe = await probeProvider(provider, { ...options, headers: { 'anthropic-version': '2023-06-01' } });
    expect(probe.kind).toBe('ok');
    expect(seen[0]!.headers['x-api-key']).toBe(providerKey);
    expect(seen[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen[0]!.headers['authorization']).toBeUndefined();
  });

  it('sends no auth header for a keyless provider (a local server)', async () => {
    const probe = await probeProvider(createTestProvider('local', { baseUrl: `${base}/ok` }), options);
    expect(probe.kind).toBe('ok');
    expect(seen[0]!.headers['authorization']).toBeUndefined();
  });

  it('reports a non-2xx answer by its status only, never its body (which quotes the key)', async () => {
    const provider = createTestProvider('denied', { baseUrl: `${base}/denied`, apiKey: providerKey });
    const probe = await probeProvider(provider, options);
    expect(probe).toEqual({ kind: 'error', reason: 'HTTP 401', latencyMs: expect.any(Number) as number });
  });

  it('follows no redirect', async () => {
    const probe = await probeProvider(createTestProvider('moved', { baseUrl: `${base}/moved` }), options);
    expect(probe).toMatchObject({ kind: 'error', reason: 'HTTP 302' });
    expect(seen.map(({ path }) => path)).toEqual(['/moved/models']);
  });

  it('names the socket error of a provider that refuses connections', async () => {
    const probe = await probeProvider(createTestProvider('down', { baseUrl: closedBase }), options);
    expect(probe).toMatchObject({ kind: 'error', reason: 'connection failed (ECONNREFUSED)' });
  });

  it('gives up after timeoutMs on a provider that never answers', async () => {
    const probe = await probeProvider(createTestProvider('stuck', { baseUrl: `${base}/hang` }), {
      ...options,
      timeoutMs: 200,
    });
    expect(probe).toMatchObject({ kind: 'error', reason: 'timeout' });
    expect(seen.map(({ path }) => path)).toEqual(['/hang/models']);
  });

  it('connects an API-created provider through the SSRF guard: loopback is refused and nothing is sent', async () => {
    const provider = createTestProvider('api-made', { baseUrl: `${base}/ok`, apiKey: providerKey, isApiManaged: true });
    const probe = await probeProvider(provider, options);
    expect(probe).toMatchObject({ kind: 'error', reason: 'refused by the outbound guard (loopback)' });
    expect(connections).toBe(0);
  });

  it('lets an API-created provider reach a destination the config allow-lists', async () => {
    const provider = createTestProvider('api-allowed', { baseUrl: `${base}/ok`, isApiManaged: true });
    const port = new URL(base).port;
    const probe = await probeProvider(provider, {
      ...options,
      allowList: parseOutboundAllowList([`127.0.0.1:${port}`]),
    });
    expect(probe).toMatchObject({ kind: 'ok', statusCode: 200 });
  });
});
