import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../catalog/index.js';
import { GatewayError } from '../errors/index.js';
import { checkOutboundUrl, parseOutboundAllowList } from '../net/index.js';
import type { OutboundLookup, ResolvedAddress } from '../net/index.js';
import { createTestProvider } from '../routing/test-support.js';
import { CallAbort } from './create-call-abort.js';
import { createUpstreamClient, splitBaseUrl } from './create-upstream-client.js';
import { readBodyText } from './read-body-text.js';
import type { UpstreamClient } from './create-upstream-client.js';

/** A local server standing in for an upstream; counts connections, so "nothing was sent" is checked, not assumed. */
interface Listener {
  readonly server: Server;
  port: number;
  connections: number;
  paths: string[];
}

type Answer = { readonly status: number; readonly headers: Readonly<Record<string, string>> };

function createListener(answer: (path: string) => Answer) {
  const listener: Listener = { server: createServer(), port: 0, connections: 0, paths: [] };
  listener.server.on('request', (request, response) => {
    listener.paths.push(request.url ?? '');
    const { status, headers } = answer(request.url ?? '');
    response.writeHead(status, headers).end('{"ok":true}');
  });
  listener.server.on('connection', () => {
    listener.connections += 1;
  });
  return listener;
}

/** Answers 200, except `/redirect`, which sends the client on to the other listener. */
const upstream = createListener((path): Answer =>
  path === '/v1/redirect'
    ? { status: 307, headers: { location: `http://127.0.0.1:${target.port}/v1/chat/completions` } }
    : { status: 200, headers: { 'content-type': 'application/json' } },
);
/** The loopback service a hostile provider would like to reach. */
const target = createListener(() => ({ status: 200, headers: {} }));

/** A name whose DNS answer changes after the write-time check: public first, then loopback. */
let rebindAnswers: ResolvedAddress[][] = [];
const lookup: OutboundLookup = (hostName) =>
  Promise.resolve(hostName === 'rebind.test' ? (rebindAnswers.shift() ?? []) : []);
const clients: UpstreamClient[] = [];

function createClient(allow: readonly string[]): UpstreamClient {
  const client = createUpstreamClient({
    connectTimeoutMs: 2_000,
    firstByteTimeoutMs: 2_000,
    idleTimeoutMs: 2_000,
    outboundAllowList: parseOutboundAllowList(allow),
    outboundLookup: lookup,
  });
  clients.push(client);
  return client;
}

function send(client: UpstreamClient, provider: Provider, path = '/chat/completions') {
  return client.send(provider, { path, body: '{}', headers: { 'content-type': 'application/json' } }, new CallAbort(), {
    headersTimeoutMs: 2_000,
  });
}

beforeAll(async () => {
  for (const listener of [upstream, target]) {
    await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
    listener.port = (listener.server.address() as AddressInfo).port;
  }
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const listener of [upstream, target]) {
    listener.connections = 0;
    listener.paths = [];
  }
});

afterAll(async () => {
  for (const listener of [upstream, target]) {
    listener.server.closeAllConnections();
    await new Promise((resolve) => listener.server.close(resolve));
  }
});

describe('createUpstreamClient', () => {
  it("connects to the operator's own providers as written, loopback included", async () => {
    const provider = createTestProvider('local', { baseUrl: `http://127.0.0.1:${upstream.port}/v1` });
    const response = await send(createClient([]), provider);
    expect([response.statusCode, await readBodyText(response.body, 1_024), upstream.connections]).toEqual([
      200,
      '{"ok":true}',
      1,
    ]);
  });

  it('refuses an API-managed provider on loopback at connect time: nothing is sent', async () => {
    const provider = createTestProvider('api', {
      baseUrl: `http://127.0.0.1:${upstream.port}/v1`,
      isApiManaged: true,
    });
    const error = await send(createClient([]), provider).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect([(error as GatewayError).code, (error as GatewayError).message]).toEqual([
      'upstream_error',
      'Provider api was not contacted: the outbound guard refused its address (loopback).',
    ]);
    expect(upstream.connections).toBe(0);
  });

  it('refuses a name that resolved to a public address when written and to loopback when used', async () => {
    rebindAnswers = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const baseUrl = `http://rebind.test:${upstream.port}/v1`;
    const checked = await checkOutboundUrl(baseUrl, {
      allowList: parseOutboundAllowList([]),
      lookup,
      timeoutMs: 2_000,
    });
    expect(checked.href).toBe(baseUrl);
    const provider = createTestProvider('rebind', { baseUrl, isApiManaged: true });
    const error = await send(createClient([]), provider).catch((caught: unknown) => caught);
    expect((error as GatewayError).message).toBe(
      'Provider rebind was not contacted: the outbound guard refused its address (loopback).',
    );
    expect(upstream.connections).toBe(0);
  });

  it('reaches an allow-listed address, and returns a redirect to loopback without following it', async () => {
    const provider = createTestProvider('allowed', {
      baseUrl: `http://127.0.0.1:${upstream.port}/v1`,
      isApiManaged: true,
    });
    const client = createClient([`127.0.0.1:${upstream.port}`]);
    const ok = await send(client, provider);
    expect([ok.statusCode, await readBodyText(ok.body, 1_024)]).toEqual([200, '{"ok":true}']);
    const redirect = await send(client, provider, '/redirect');
    await readBodyText(redirect.body, 1_024);
    expect([redirect.statusCode, redirect.headers['location']]).toEqual([
      307,
      `http://127.0.0.1:${target.port}/v1/chat/completions`,
    ]);
    expect(upstream.paths).toEqual(['/v1/chat/completions', '/v1/redirect']);
    expect(target.connections).toBe(0);
  });
});

describe('splitBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000', '/v1/chat/completions'],
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000', '/chat/completions'],
    ['http://127.0.0.1:8000/', 'http://127.0.0.1:8000', '//chat/completions'],
    ['https://API.Example.com:443/api/paas/v4', 'https://api.example.com', '/api/paas/v4/chat/completions'],
    ['https://a.example/v1/', 'https://a.example', '/v1//chat/completions'],
  ])('%s → the origin and path that base URL + path names', (baseUrl, origin, path) => {
    const split = splitBaseUrl(baseUrl);
    expect(split?.origin).toBe(origin);
    expect(split?.path({ path: '/chat/completions', body: '', headers: {} })).toBe(path);
    const whole = new URL(`${baseUrl}/chat/completions`);
    expect(`${whole.origin}${whole.pathname}`).toBe(`${origin}${path}`);
  });

  it.each(['http://user:pass@127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1?api-version=1', 'http://127.0.0.1/v1#x'])(
    'leaves %s to the URL-parsing request',
    (baseUrl) => {
      expect(splitBaseUrl(baseUrl)).toBeUndefined();
    },
  );

  it('sends to base URL + path, with and without a path in the base URL', async () => {
    const client = createClient([]);
    const withPath = createTestProvider('with-path', { baseUrl: `http://127.0.0.1:${upstream.port}/v1` });
    const bare = createTestProvider('bare', { baseUrl: `http://127.0.0.1:${upstream.port}` });
    for (const provider of [withPath, bare]) {
      const response = await send(client, provider);
      expect(response.statusCode).toBe(200);
      expect(response.url).toBe(`${provider.baseUrl}/chat/completions`);
      await readBodyText(response.body, 1_000);
    }
    expect(upstream.paths).toEqual(['/v1/chat/completions', '/chat/completions']);
  });
});
