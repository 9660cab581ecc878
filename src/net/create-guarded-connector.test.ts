import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedConnector } from './create-guarded-connector.js';
import type { ResolvedAddress } from './outbound-lookup.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import { parseOutboundAllowList } from './parse-allow-list.js';

let server: Server;
let port = 0;
let connections = 0;
const agents: Agent[] = [];

/** An Agent as another module (e.g. the upstream client) would build it around the guard. */
function createAgent(allow: readonly string[]): Agent {
  const answers: Record<string, ResolvedAddress[]> = {
    'evil.test': [{ address: '127.0.0.1', family: 4 }],
    'trusted.test': [{ address: '127.0.0.1', family: 4 }],
  };
  const connect = createGuardedConnector({
    allowList: parseOutboundAllowList(allow),
    lookup: (hostName) => Promise.resolve(answers[hostName] ?? []),
    connectTimeoutMs: 2_000,
  });
  const agent = new Agent({ connect });
  agents.push(agent);
  return agent;
}

beforeAll(async () => {
  server = createServer((_request, response) => response.end('reached'));
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  connections = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createGuardedConnector', () => {
  it.each([
    ['127.0.0.1', 'loopback', '127.0.0.1'],
    ['0x7f.1', 'loopback', '127.0.0.1'],
    ['[::ffff:127.0.0.1]', 'loopback', '[::ffff:7f00:1]'],
    ['evil.test', 'loopback', 'evil.test'],
    ['localhost', 'loopback', 'localhost'],
  ])('refuses a connection to %s on its own, with no earlier check', async (host, reason, shownHost) => {
    const error = await request(`http://${host}:${port}/`, { dispatcher: createAgent([]) }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect([(error as OutboundRefusedError).reason, (error as OutboundRefusedError).url]).toEqual([
      reason,
      `http://${shownHost}:${port}`,
    ]);
    expect(connections).toBe(0);
  });

  it('fails a name with no address instead of connecting to a default', async () => {
    const error = await request(`http://nowhere.test:${port}/`, { dispatcher: createAgent([]) }).catch(
      (caught: unknown) => caught,
    );
    expect((error as { code?: unknown }).code).toBe('ENOTFOUND');
    expect(connections).toBe(0);
  });

  it.each([[`127.0.0.1:{port}`], ['127.0.0.0/8'], ['trusted.test']])(
    'connects when the allow-list holds %s',
    async (entry) => {
      const host = entry === 'trusted.test' ? 'trusted.test' : '127.0.0.1';
      const response = await request(`http://${host}:${port}/`, {
        dispatcher: createAgent([entry.replace('{port}', String(port))]),
      });
      expect([response.statusCode, await response.body.text()]).toEqual([200, 'reached']);
      expect(connections).toBe(1);
    },
  );
});
