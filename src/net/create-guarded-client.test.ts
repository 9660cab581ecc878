import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedClient } from './create-guarded-client.js';
import type { GuardedClient, GuardedClientOptions } from './create-guarded-client.js';
import type { OutboundLookup, ResolvedAddress } from './outbound-lookup.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import { OutboundResponseTooLargeError } from './outbound-response-too-large-error.js';

/** A 127.0.0.1 listener that counts every TCP connection and records what reached it. */
interface Listener {
  readonly server: Server;
  readonly port: number;
  connections: number;
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
}

async function startListener(): Promise<Listener> {
  const server = createServer();
  const listener: Listener = { server, port: 0, connections: 0, requests: [] };
  server.on('connection', () => {
    listener.connections += 1;
  });
  server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://listener');
      listener.requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const to = url.searchParams.get('to');
      if (to !== null) {
        response.writeHead(Number(url.searchParams.get('status') ?? '302'), { location: to }).end('moved');
      } else if (url.pathname === '/loop') {
        response.writeHead(302, { location: '/loop' }).end();
      } else if (url.pathname === '/big') {
        response.writeHead(200, { 'content-length': '2000' }).end('x'.repeat(2000));
      } else if (url.pathname === '/big-chunked') {
        response.writeHead(200);
        for (let index = 0; index < 20; index += 1) response.write('y'.repeat(100));
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${request.method} ${url.pathname}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(listener, { port: (server.address() as AddressInfo).port });
}

const publicAnswer: ResolvedAddress = { address: '93.184.216.34', family: 4 };
const loopbackAnswer: ResolvedAddress = { address: '127.0.0.1', family: 4 };

/** DNS stand-in: `rebind.test` answers a public address on its first lookup and loopback after. */
function createFakeLookup(): OutboundLookup & { calls: string[] } {
  const calls: string[] = [];
  const answers: Record<string, (count: number) => ResolvedAddress[]> = {
    'evil.test': () => [loopbackAnswer],
    'metadata.test': () => [{ address: '169.254.169.254', family: 4 }],
    'mixed.test': () => [publicAnswer, loopbackAnswer],
    'v6.test': () => [{ address: '::ffff:127.0.0.1', family: 6 }],
    'rebind.test': (count) => (count === 1 ? [publicAnswer] : [loopbackAnswer]),
    'trusted.test': () => [loopbackAnswer],
    'garbage.test': () => [{ address: '2130706433', family: 4 }],
    'empty.test': () => [],
  };
  const lookup = (hostName: string): Promise<ResolvedAddress[]> => {
    calls.push(hostName);
    const answer = answers[hostName];
    if (answer === undefined) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(answer(calls.filter((call) => call === hostName).length));
  };
  return Object.assign(lookup, { calls });
}

const baseOptions: Omit<GuardedClientOptions, 'allow'> = {
  timeouts: { connectMs: 2_000, headersMs: 5_000, bodyIdleMs: 5_000, totalMs: 10_000 },
  bodyBytesMax: 1_000,
  redirectsMax: 3,
};

let target: Listener;
let other: Listener;
const clients: GuardedClient[] = [];

function createClient(allow: readonly string[], lookup: OutboundLookup = createFakeLookup()): GuardedClient {
  const client = createGuardedClient({ ...baseOptions, allow, lookup });
  clients.push(client);
  return client;
}

async function refusal(promise: Promise<unknown>): Promise<OutboundRefusedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundRefusedError);
  return error as OutboundRefusedError;
}

beforeAll(async () => {
  target = await startListener();
  other = await startListener();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  target.connections = 0;
  other.connections = 0;
  target.requests.length = 0;
  other.requests.length = 0;
});

afterAll(async () => {
  target.server.closeAllConnections();
  other.server.closeAllConnections();
  await Promise.all([target, other].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

describe('fetchGuarded refusals (nothing reaches the listener)', () => {
  const loopbackHosts: [string, string, string][] = [
    ['127.0.0.1', 'loopback', '127.0.0.1'],
    ['2130706433', 'loopback', '127.0.0.1'],
    ['0177.0.0.1', 'loopback', '127.0.0.1'],
    ['0x7f.1', 'loopback', '127.0.0.1'],
    ['0x7f000001', 'loopback', '127.0.0.1'],
    ['017700000001', 'loopback', '127.0.0.1'],
    ['127.1', 'loopback', '127.0.0.1'],
    ['127.0.0.1.', 'loopback', '127.0.0.1'],
    ['１２７.0.0.1', 'loopback', '127.0.0.1'],
    ['%31%32%37.0.0.1', 'loopback', '127.0.0.1'],
    ['0', 'unspecified', '0.0.0.0'],
    ['[::1]', 'loopback', '[::1]'],
    ['[::ffff:127.0.0.1]', 'loopback', '[::ffff:7f00:1]'],
    ['[::ffff:7f00:1]', 'loopback', '[::ffff:7f00:1]'],
    ['[0:0:0:0:0:ffff:7f00:1]', 'loopback', '[::ffff:7f00:1]'],
    ['[::127.0.0.1]', 'loopback', '[::7f00:1]'],
    ['[64:ff9b::127.0.0.1]', 'loopback', '[64:ff9b::7f00:1]'],
    ['[2002:7f00:1::]', 'loopback', '[2002:7f00:1::]'],
    ['localhost', 'loopback', 'localhost'],
    ['LOCALHOST.', 'loopback', 'localhost.'],
    ['api.localhost', 'loopback', 'api.localhost'],
    ['evil.test', 'loopback', 'evil.test'],
    ['mixed.test', 'loopback', 'mixed.test'],
    ['v6.test', 'loopback', 'v6.test'],
    ['garbage.test', 'not_an_ip', 'garbage.test'],
  ];

  it.each(loopbackHosts)('refuses http://%s:<port>/ as %s', async (host, reason, shownHost) => {
    const client = createClient([]);
    const error = await refusal(client.fetchGuarded(`http://${host}:${target.port}/secret?token=abc#frag`));
    expect(error.code).toBe('outbound_refused');
    expect(error.reason).toBe(reason);
    expect(error.url).toBe(`http://${shownHost}:${target.port}/secret`);
    expect(error.message).toBe(`Outbound request to http://${shownHost}:${target.port}/secret refused: ${reason}.`);
    expect(error.isRetryable).toBe(false);
    expect(target.connections).toBe(0);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'cloud_metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['http://2852039166/latest/meta-data/', 'cloud_metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['http://[::ffff:a9fe:a9fe]/', 'cloud_metadata', 'http://[::ffff:a9fe:a9fe]/'],
    ['http://[fd00:ec2::254]/', 'cloud_metadata', 'http://[fd00:ec2::254]/'],
    ['http://metadata.test/', 'cloud_metadata', 'http://metadata.test/'],
    ['http://100.100.100.200/', 'cloud_metadata', 'http://100.100.100.200/'],
    ['http://[fe80::1]/', 'link_local', 'http://[fe80::1]/'],
    ['http://10.0.0.1/', 'private', 'http://10.0.0.1/'],
    ['https://192.168.0.1/', 'private', 'https://192.168.0.1/'],
    ['http://100.64.0.1/', 'carrier_grade_nat', 'http://100.64.0.1/'],
    ['http://[2001:db8::1]/', 'documentation', 'http://[2001:db8::1]/'],
    ['http://[2001::1]/', 'teredo', 'http://[2001::1]/'],
    ['http://224.0.0.1/', 'multicast', 'http://224.0.0.1/'],
    ['http://255.255.255.255/', 'broadcast', 'http://255.255.255.255/'],
  ])('refuses %s as %s', async (url, reason, shownUrl) => {
    const error = await refusal(createClient([]).fetchGuarded(url));
    expect([error.reason, error.url]).toEqual([reason, shownUrl]);
  });

  it.each([
    ['file:///etc/passwd', 'unsupported_scheme', 'file:…'],
    ['ftp://example.com/', 'unsupported_scheme', 'ftp:…'],
    ['gopher://127.0.0.1:70/', 'unsupported_scheme', 'gopher:…'],
    ['data:text/plain,hi', 'unsupported_scheme', 'data:…'],
    ['not a url', 'invalid_url', '(invalid url)'],
    ['http://user:hunter2@example.com/path?q=1', 'credentials_in_url', 'http://example.com/path'],
    ['http://:hunter2@example.com/', 'credentials_in_url', 'http://example.com/'],
  ])('refuses %s as %s without echoing credentials', async (url, reason, shownUrl) => {
    const error = await refusal(createClient([]).fetchGuarded(url));
    expect([error.reason, error.url]).toEqual([reason, shownUrl]);
    expect(error.message).not.toContain('hunter2');
  });

  it('checks DNS again at connect time: a name that rebinds to loopback after the first check is refused', async () => {
    const lookup = createFakeLookup();
    const error = await refusal(createClient([], lookup).fetchGuarded(`http://rebind.test:${target.port}/`));
    expect([error.reason, error.url, error.address]).toEqual([
      'loopback',
      `http://rebind.test:${target.port}/`,
      '127.0.0.1',
    ]);
    expect(lookup.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(target.connections).toBe(0);
  });

  it('does not connect when a name has no address', async () => {
    const error = await createClient([])
      .fetchGuarded(`http://empty.test:${target.port}/`)
      .catch((caught: unknown) => caught);
    expect((error as { code?: unknown }).code).toBe('ENOTFOUND');
    expect(target.connections).toBe(0);
  });

  it('does not allow a whole address for an entry scoped to another port', async () => {
    const error = await refusal(
      createClient([`127.0.0.1:${other.port}`]).fetchGuarded(`http://127.0.0.1:${target.port}/`),
    );
    expect(error.reason).toBe('loopback');
    expect(target.connections).toBe(0);
  });

  it('gives up on a lookup that never answers, before connecting', async () => {
    const client = createGuardedClient({
      ...baseOptions,
      timeouts: { ...baseOptions.timeouts, connectMs: 20 },
      allow: [],
      lookup: () => new Promise<never>(() => undefined),
    });
    clients.push(client);
    const error = await client.fetchGuarded('http://slow.test/').catch((caught: unknown) => caught);
    expect((error as { code?: unknown }).code).toBe('UND_ERR_CONNECT_TIMEOUT');
  });
});

describe('fetchGuarded abort', () => {
  it('sends nothing when the caller has already aborted', async () => {
    const error = await createClient([`127.0.0.1:${target.port}`])
      .fetchGuarded(`http://127.0.0.1:${target.port}/`, { signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    expect(target.connections).toBe(0);
  });
});

describe('fetchGuarded with the allow-list', () => {
  it('reaches an allow-listed loopback server', async () => {
    const response = await createClient([`127.0.0.1:${target.port}`]).fetchGuarded(
      `http://127.0.0.1:${target.port}/hello`,
    );
    expect([response.statusCode, response.body.toString('utf8'), response.url, response.redirectCount]).toEqual([
      200,
      'hello GET /hello',
      `http://127.0.0.1:${target.port}/hello`,
      0,
    ]);
    expect(target.connections).toBe(1);
  });

  it('reaches an allow-listed block and an allow-listed host name', async () => {
    const byBlock = await createClient(['127.0.0.0/8']).fetchGuarded(`http://2130706433:${target.port}/a`);
    const byName = await createClient(['trusted.test']).fetchGuarded(`http://trusted.test:${target.port}/b`);
    expect([byBlock.body.toString('utf8'), byName.body.toString('utf8')]).toEqual(['hello GET /a', 'hello GET /b']);
    expect(target.connections).toBe(2);
  });

  it('sends the method, headers and body, without a caller-chosen host header', async () => {
    const response = await createClient([`127.0.0.1:${target.port}`]).fetchGuarded(
      `http://127.0.0.1:${target.port}/hook`,
      { method: 'post', headers: { 'Content-Type': 'application/json', Host: 'internal.admin' }, body: '{"a":1}' },
    );
    expect(response.body.toString('utf8')).toBe('hello POST /hook');
    const [received] = target.requests;
    expect([received?.method, received?.body, received?.headers['content-type'], received?.headers.host]).toEqual([
      'POST',
      '{"a":1}',
      'application/json',
      `127.0.0.1:${target.port}`,
    ]);
  });
});

describe('fetchGuarded redirects', () => {
  const redirect = (to: string, status = 302): string =>
    `http://127.0.0.1:${target.port}/redirect?status=${status}&to=${encodeURIComponent(to)}`;

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'cloud_metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['http://[::ffff:169.254.169.254]/', 'cloud_metadata', 'http://[::ffff:a9fe:a9fe]/'],
    ['http://localhost:{other}/', 'loopback', 'http://localhost:{other}/'],
    ['http://127.0.0.1:{other}/', 'loopback', 'http://127.0.0.1:{other}/'],
    ['http://0x7f.1:{other}/', 'loopback', 'http://127.0.0.1:{other}/'],
    ['http://[::ffff:127.0.0.1]:{other}/', 'loopback', 'http://[::ffff:7f00:1]:{other}/'],
    ['http://evil.test:{other}/', 'loopback', 'http://evil.test:{other}/'],
    ['http://user:pw@example.com/', 'credentials_in_url', 'http://example.com/'],
    ['file:///etc/passwd', 'unsupported_scheme', 'file:…'],
  ])('refuses a redirect from an allow-listed server to %s', async (location, reason, shownUrl) => {
    const fill = (text: string): string => text.replace('{other}', String(other.port));
    const client = createClient([`127.0.0.1:${target.port}`]);
    const error = await refusal(client.fetchGuarded(redirect(fill(location))));
    expect([error.reason, error.url]).toEqual([reason, fill(shownUrl)]);
    expect([target.connections, other.connections]).toEqual([1, 0]);
  });

  it('follows a redirect within the allowed server, checking each hop', async () => {
    const response = await createClient([`127.0.0.1:${target.port}`]).fetchGuarded(redirect('/landed'));
    expect([response.statusCode, response.body.toString('utf8'), response.url, response.redirectCount]).toEqual([
      200,
      'hello GET /landed',
      `http://127.0.0.1:${target.port}/landed`,
      1,
    ]);
  });

  it('stops after the redirect limit', async () => {
    const error = await refusal(
      createClient([`127.0.0.1:${target.port}`]).fetchGuarded(`http://127.0.0.1:${target.port}/loop`),
    );
    expect([error.reason, error.url]).toEqual(['redirect_limit', `http://127.0.0.1:${target.port}/loop`]);
    expect(target.requests.length).toBe(4);
  });

  it('turns a POST into a GET on 303 and keeps it on 307', async () => {
    const client = createClient([`127.0.0.1:${target.port}`]);
    const init = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'payload' };
    const seeOther = await client.fetchGuarded(redirect('/after-303', 303), init);
    const temporary = await client.fetchGuarded(redirect('/after-307', 307), init);
    expect([seeOther.body.toString('utf8'), temporary.body.toString('utf8')]).toEqual([
      'hello GET /after-303',
      'hello POST /after-307',
    ]);
    const landed = target.requests.filter((request) => request.url.startsWith('/after'));
    expect(landed.map((request) => [request.method, request.body, request.headers['content-type']])).toEqual([
      ['GET', '', undefined],
      ['POST', 'payload', 'text/plain'],
    ]);
  });

  it('drops credentials headers when a redirect changes origin', async () => {
    const client = createClient([`127.0.0.1:${target.port}`, `127.0.0.1:${other.port}`]);
    await client.fetchGuarded(redirect(`http://127.0.0.1:${other.port}/elsewhere`), {
      headers: { Authorization: 'Bearer secret-token', Cookie: 'a=b', 'X-Trace': 't1' },
    });
    expect(target.requests[0]?.headers.authorization).toBe('Bearer secret-token');
    const [arrived] = other.requests;
    expect([arrived?.headers.authorization, arrived?.headers.cookie, arrived?.headers['x-trace']]).toEqual([
      undefined,
      undefined,
      't1',
    ]);
  });
});

describe('fetchGuarded body limit', () => {
  it.each(['/big', '/big-chunked'])('refuses a %s body over bodyBytesMax', async (path) => {
    const error = await createClient([`127.0.0.1:${target.port}`])
      .fetchGuarded(`http://127.0.0.1:${target.port}${path}`)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutboundResponseTooLargeError);
    expect((error as OutboundResponseTooLargeError).message).toBe(
      `The response from http://127.0.0.1:${target.port}${path} exceeded 1000 bytes.`,
    );
  });
});

describe('createGuardedClient', () => {
  it('refuses a malformed allow-list at creation', () => {
    expect(() => createGuardedClient({ ...baseOptions, allow: ['10.0.0.0/33'] })).toThrow(
      'security.outbound_allow[0] "10.0.0.0/33"',
    );
  });
});
