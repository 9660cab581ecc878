import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../../src/net/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createMemberKey, readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Providers created through the management API (issue #8, scope 5), against the built gateway: the key is sealed
 * at rest and never shown; base URLs pointing at loopback, link-local, metadata or private addresses — in every
 * spelling, through DNS, or through a redirect — are refused with a clear error, and a TCP listener on loopback
 * proves nothing was sent; `meridian secrets rotate` re-seals under a new master key and calls keep working.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const providerKey = `sk-e2e-provider-${randomBytes(12).toString('hex')}`;
const masterKey = (id: string, fill: number): string => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const firstKeys = masterKey('k1', 1);
const rotatedKeys = `${masterKey('k2', 2)},${firstKeys}`;
const refusalHint =
  'providers created through the API may reach public addresses only, unless security.outbound_allow in the config file lists the destination.';

let fake: FakeUpstream;
let gateway: GatewayProcess;
let memberKey: string;
let configYaml: string;
/** Where a successful SSRF would land: counts every TCP connection (IPv4 and, when available, IPv6 loopback). */
let listener: Server;
let listenerPort: number;
let listenerConnections = 0;
const outputs: string[] = [];

function createConfig(fakePort: number): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
security:
  outbound_allow: ["127.0.0.1:${fakePort}"]
orgs:
  - { id: default, credits: "1.00" }
`;
}

async function startGateway(masterKeys: string, directory?: string): Promise<GatewayProcess> {
  const started = await startGatewayProcess({
    configYaml,
    ...(directory === undefined ? {} : { directory }),
    env: { MERIDIAN_MASTER_KEYS: masterKeys, MERIDIAN_LOG_LEVEL: 'info' },
  });
  return started;
}

async function stopGateway(): Promise<void> {
  await gateway.stop();
  outputs.push(gateway.output.join(''));
}

async function listen(host: string): Promise<Server> {
  const server = createServer((socket) => {
    listenerConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return server;
}

/** The listener really counts: one probe connection is seen, then the count starts from zero. */
async function expectListenerCounts(): Promise<void> {
  const socket = connect(listenerPort, '127.0.0.1');
  socket.on('error', () => undefined);
  for (let attempt = 0; attempt < 200 && listenerConnections === 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  socket.destroy();
  expect(listenerConnections).toBe(1);
  listenerConnections = 0;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  // Dual-stack when the machine has IPv6, so `[::1]` would be counted too.
  listener = await listen('::').catch(() => listen('127.0.0.1'));
  listenerPort = (listener.address() as { port: number }).port;
  await expectListenerCounts();
  configYaml = createConfig(Number(new URL(fake.baseUrl).port));
  gateway = await startGateway(firstKeys);
  memberKey = (await createMemberKey(gateway.url, 'providers-e2e')).key;
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
  await new Promise((resolve) => listener.close(resolve));
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

function providerBody(id: string, baseUrl: string, model: string): Record<string, unknown> {
  return {
    id,
    protocol: 'openai',
    base_url: baseUrl,
    api_key: providerKey,
    models: [
      {
        id: model,
        author: 'acme',
        origin: 'US',
        context_length: 32_768,
        upstream_model: `${model.split('/')[1]}-upstream`,
        pricing: { prompt: '1.00', completion: '2.00' },
      },
    ],
  };
}

/** An OpenAI-shaped answer: `error` on failure, `choices` on success. */
interface ChatAnswer {
  readonly error: { readonly code: string; readonly message: string };
  readonly choices: readonly { readonly message: { readonly content: string } }[];
}

async function chat(model: string): Promise<{ status: number; body: ChatAnswer }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
  });
  return { status: response.status, body: (await response.json()) as ChatAnswer };
}

function readDatabaseBytes(): Buffer {
  const names = readdirSync(gateway.directory).filter((name) => name.startsWith('meridian.db'));
  return Buffer.concat(names.map((name) => readFileSync(join(gateway.directory, name))));
}

async function runCli(args: readonly string[], masterKeys: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [mainPath, ...args, '--config', join(gateway.directory, 'meridian.yaml')],
    { env: { ...process.env, MERIDIAN_MASTER_KEYS: masterKeys, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '' } },
  );
  return stdout;
}

describe('providers created through the API', () => {
  it('serve their models at once, billed like any other, with the key sealed and never shown', async () => {
    const created = await admin('POST', '/providers', providerBody('acme-e2e', fake.baseUrl, 'acme/e2e-model'));
    expect(created.status).toBe(201);
    expect(JSON.parse(created.text).data.api_key).toEqual({
      set: true,
      key_id: 'k1',
      last_four: providerKey.slice(-4),
    });
    const listed = await admin('GET', '/providers');
    expect(JSON.parse(listed.text).data.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([
      ['acme-e2e', 'active'],
    ]);
    expect(created.text + listed.text).not.toContain(providerKey);

    fake.enqueue(
      completeScript('openai', { text: ['hello'], usage: { input: 50, cached: 0, output: 20, reasoning: 0 } }),
    );
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: memberKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'acme/e2e-model',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 50,
    });
    expect(completion.choices[0]!.message.content).toBe('hello');
    // 50 × 1.00 + 20 × 2.00 USD per 1M tokens = 90 000 nano-USD.
    expect((completion.usage as unknown as { cost: number }).cost).toBe(0.00009);
    expect([fake.received[0]!.headers.authorization, fake.received[0]!.body['model']]).toEqual([
      `Bearer ${providerKey}`,
      'e2e-model-upstream',
    ]);
    expect(await readGeneration(gateway.url, memberKey, completion.id)).toMatchObject({
      provider_name: 'acme-e2e',
      cost_nanos: '90000',
    });
    fake.reset();
  });

  it.each([
    ['http://127.0.0.1:{port}/v1', 'http://127.0.0.1:{port}/v1', 'loopback'],
    ['http://[::1]:{port}/', 'http://[::1]:{port}/', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'http://169.254.169.254/latest/meta-data/', 'cloud_metadata'],
    ['http://[fd00:ec2::254]/', 'http://[fd00:ec2::254]/', 'cloud_metadata'],
    ['http://2130706433:{port}/', 'http://127.0.0.1:{port}/', 'loopback'],
    ['http://0177.0.0.1:{port}/', 'http://127.0.0.1:{port}/', 'loopback'],
    ['http://0x7f.1:{port}/', 'http://127.0.0.1:{port}/', 'loopback'],
    ['http://[::ffff:127.0.0.1]:{port}/', 'http://[::ffff:7f00:1]:{port}/', 'loopback'],
    ['http://localhost:{port}/', 'http://localhost:{port}/', 'loopback'],
    ['http://localhost.:{port}/', 'http://localhost.:{port}/', 'loopback'],
    ['http://10.0.0.1/', 'http://10.0.0.1/', 'private'],
    ['http://[fe80::1]/', 'http://[fe80::1]/', 'link_local'],
    // Allow-listed address, other port: the entry names one service, not the whole host.
    ['http://127.0.0.1:{port}/allowed-host-other-port', 'http://127.0.0.1:{port}/allowed-host-other-port', 'loopback'],
  ])('refuses base_url %s (%s → %s) with a clear error', async (template, shownTemplate, reason) => {
    const baseUrl = template.replace('{port}', String(listenerPort));
    const answer = await admin('POST', '/providers', providerBody('ssrf-probe', baseUrl, 'acme/ssrf-model'));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({
      code: 'outbound_url_refused',
      param: 'base_url',
      message: `base_url ${shownTemplate.replace('{port}', String(listenerPort))} refused (${reason}): ${refusalHint}`,
    });
  });

  it('refuses a host name that resolves to a non-public address (the machine name, via /etc/hosts)', async () => {
    const name = hostname().toLowerCase();
    const addresses = await lookup(name, { all: true, verbatim: true });
    const refused = addresses.map((entry) => classifyAddress(entry.address)).find((verdict) => !verdict.allowed);
    // The case needs a machine name that resolves to loopback or a private address, as it does in containers.
    expect(refused?.reason).toBeDefined();
    const answer = await admin(
      'POST',
      '/providers',
      providerBody('ssrf-probe', `http://${name}:${listenerPort}/v1`, 'acme/ssrf-model'),
    );
    expect([answer.status, JSON.parse(answer.text).error.message]).toEqual([
      400,
      `base_url http://${name}:${listenerPort}/v1 refused (${refused?.reason}): ${refusalHint}`,
    ]);
  });

  it('does not follow an allowed provider that redirects into loopback', async () => {
    const created = await admin('POST', '/providers', providerBody('redirector', fake.baseUrl, 'acme/redirect-model'));
    expect(created.status).toBe(201);
    fake.enqueue({
      kind: 'error',
      status: 307,
      body: '',
      headers: { location: `http://127.0.0.1:${listenerPort}/v1/chat/completions` },
    });
    const answer = await chat('acme/redirect-model');
    expect([answer.status, answer.body.error.code, answer.body.error.message]).toEqual([
      502,
      'upstream_error',
      'Provider redirector answered with a redirect (HTTP 307), which the gateway does not follow.',
    ]);
    expect(fake.received).toHaveLength(1);
    fake.reset();
  });

  it('stored nothing for refused URLs, and nothing reached the loopback listener', async () => {
    const listed = JSON.parse((await admin('GET', '/providers')).text) as { data: { id: string }[] };
    expect(listed.data.map((item) => item.id)).toEqual(['acme-e2e', 'redirector']);
    expect(listenerConnections).toBe(0);
  });

  it('keeps the key out of the database files and the logs', () => {
    const bytes = readDatabaseBytes();
    expect(bytes.includes(providerKey)).toBe(false);
    expect(bytes.includes('v1:k1:')).toBe(true);
    expect(gateway.output.join('')).toContain('"event":"request"');
    expect(gateway.output.join('')).not.toContain(providerKey);
  });

  it('checks the address again at connect time: a row changed underneath is refused, nothing sent', async () => {
    await stopGateway();
    // Stands in for a DNS answer that changed since the write-time check: the connection must judge for itself.
    const database = new Database(join(gateway.directory, 'meridian.db'));
    database
      .prepare("UPDATE providers SET base_url = ? WHERE id = 'redirector'")
      .run(`http://127.0.0.1:${listenerPort}/v1`);
    database.close();
    gateway = await startGateway(firstKeys, gateway.directory);
    const answer = await chat('acme/redirect-model');
    expect([answer.status, answer.body.error.code, answer.body.error.message]).toEqual([
      502,
      'upstream_error',
      'Provider redirector was not contacted: the outbound guard refused its address (loopback).',
    ]);
    expect(listenerConnections).toBe(0);
  });

  it('re-seals every key under a new master key with `meridian secrets rotate`; calls keep working', async () => {
    await stopGateway();
    const k2Only = masterKey('k2', 2);
    expect(await runCli(['providers', 'list'], k2Only)).toContain('acme-e2e\tapi\topenai-chat');
    expect(await runCli(['providers', 'list'], k2Only)).toContain('sealed:k1\tsecret_key_unknown');

    expect(await runCli(['secrets', 'rotate'], rotatedKeys)).toBe(
      'Re-sealed 2 provider key(s) under key id k2; 0 already under it; 0 could not be opened.\n',
    );
    expect(await runCli(['secrets', 'rotate'], rotatedKeys)).toBe(
      'Re-sealed 0 provider key(s) under key id k2; 2 already under it; 0 could not be opened.\n',
    );
    const listed = await runCli(['providers', 'list'], k2Only);
    expect(listed.split('\n').filter((line) => line.includes('\tapi\t'))).toEqual([
      `acme-e2e\tapi\topenai-chat\t${fake.baseUrl}\tsealed:k2\tactive`,
      `redirector\tapi\topenai-chat\thttp://127.0.0.1:${listenerPort}/v1\tsealed:k2\tactive`,
    ]);
    expect(readDatabaseBytes().includes(providerKey)).toBe(false);

    // The old key is gone from the environment: only the re-sealed keys can open.
    gateway = await startGateway(k2Only, gateway.directory);
    fake.enqueue(
      completeScript('openai', { text: ['again'], usage: { input: 10, cached: 0, output: 5, reasoning: 0 } }),
    );
    const answer = await chat('acme/e2e-model');
    expect([answer.status, answer.body.choices[0]!.message.content]).toEqual([200, 'again']);
    expect(fake.received[0]!.headers.authorization).toBe(`Bearer ${providerKey}`);
    const listedByApi = await admin('GET', '/providers');
    expect(
      JSON.parse(listedByApi.text).data.map((item: { api_key: { key_id: string } }) => item.api_key.key_id),
    ).toEqual(['k2', 'k2']);
    expect(outputs.join('') + gateway.output.join('')).not.toContain(providerKey);
  });
});
