import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNanos } from '../../src/metering/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { createGatewayConfig, createMemberKey, sendSmallStream, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A node out of file descriptors (each open stream holds two sockets): calls it cannot connect upstream get 503
 * `gateway_overloaded` with `Retry-After: 1` and `Connection: close`, never a provider error; the provider's health is not charged for it, and
 * with descriptors available again the node serves at once.
 */

/** Descriptors left above those open at rest, once the gateway has started: room for a few streams. */
const spareDescriptors = 12;
const callsCount = 40;

const usage = { input: 3, cached: 0, output: 2, reasoning: 0 };
/** test/fake-model's prices (0.28 and 0.42 USD per 1M tokens): 3 × 280 + 2 × 420 nano-USD per served stream. */
const streamCostNanos = 1_680n;

/** A stream the provider holds open after its first text (the client already has its 200 and first token). */
function heldStream(text: string): Scenario {
  const scenario = streamScript('openai', { text: [text, ' done'], usage });
  if (scenario.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
  return { ...scenario, holdAfter: 2 };
}

let fake: FakeUpstream;
let gateway: GatewayProcess;
let key: string;
let restingLimit: string;

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: createGatewayConfig(fake.baseUrl) });
  key = (await createMemberKey(gateway.url, 'overload')).key;
  // Lowered once it runs (loading its modules takes many descriptors at once): util-linux's prlimit on its pid.
  const pid = gateway.child.pid!;
  restingLimit = execFileSync('prlimit', [
    '--pid',
    String(pid),
    '--nofile',
    '--raw',
    '--noheadings',
    '--output=SOFT,HARD',
  ])
    .toString()
    .trim()
    .replace(/\s+/, ':');
  const limit = readdirSync(`/proc/${pid}/fd`).length + spareDescriptors;
  // The soft limit only: lowering the hard one could not be undone without CAP_SYS_RESOURCE.
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${limit}:${restingLimit.split(':')[1]}`]);
}, 30_000);

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

async function openStream(): Promise<{
  status: number;
  retryAfter: string | null;
  connection: string | null;
  body: string;
}> {
  try {
    const response = await sendSmallStream(gateway.url, key);
    const { headers } = response;
    return {
      status: response.status,
      retryAfter: headers.get('retry-after'),
      connection: headers.get('connection'),
      body: await response.text(),
    };
  } catch {
    // Refused at accept (no descriptor for the connection): the kernel or libuv closes it.
    return { status: 0, retryAfter: null, connection: null, body: '' };
  }
}

/** What the key's org has been charged, as `GET /api/v1/credits` renders it (USD). */
async function readUsage(): Promise<unknown> {
  const response = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { data: { total_usage: unknown } }).data.total_usage;
}

async function readEndpoint(): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.url}/api/v1/models/test/fake-model/endpoints`, {
    headers: { authorization: `Bearer ${testAdminKey}` },
  });
  const body = (await response.json()) as { data: { endpoints: Record<string, unknown>[] } };
  return body.data.endpoints[0]!;
}

describe('a node out of file descriptors', () => {
  it('answers 503 gateway_overloaded with Retry-After, blames no provider, and serves again with descriptors back', async () => {
    for (let index = 0; index < callsCount; index += 1) {
      fake.enqueue(heldStream(`s${index}`));
    }
    const calls = Array.from({ length: callsCount }, () => openStream());
    // Held streams stay open until released: wait (bounded) until the calls that got through have all reached the
    // provider, i.e. until that count stops growing.
    for (let poll = 0, stable = 0, seen = -1; poll < 100 && stable < 5; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stable = fake.received.length === seen ? stable + 1 : 0;
      seen = fake.received.length;
    }
    // A call that reaches the provider after a release (a loaded machine) is held too: release until every call has
    // ended (bounded: 400 × 50 ms).
    let isEveryCallDone = false;
    const settled = Promise.all(calls).finally(() => {
      isEveryCallDone = true;
    });
    for (let poll = 0; poll < 400 && !isEveryCallDone; poll += 1) {
      fake.release();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const results = await settled;
    const overloaded = results.filter((result) => result.status === 503);
    expect(overloaded.length).toBeGreaterThan(0);
    for (const result of overloaded) {
      expect(result.retryAfter).toBe('1');
      // Its socket is closed, not kept alive holding a descriptor the node is short of.
      expect(result.connection).toBe('close');
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'gateway_overloaded', type: 'server_error' } });
    }
    // Every call either streamed to the end, was refused as overload, or was closed at accept: never a 502.
    for (const result of results) expect([0, 200, 503]).toContain(result.status);
    for (const result of results.filter((each) => each.status === 200)) expect(result.body).toContain('data: [DONE]');
    const served = results.filter((result) => result.status === 200).length;
    expect(served).toBe(fake.received.length);
    // Only the streams served are charged, each exactly: an overload refusal costs nothing.
    expect(await readUsage()).toBe(renderNanos(BigInt(served) * streamCostNanos));

    // Descriptors back (idle keep-alive sockets would hold them for a while: the limit is raised again, as an operator
    // would), with no restart: the next call is served, and the endpoint's record holds no failure from the shortage.
    execFileSync('prlimit', ['--pid', String(gateway.child.pid), `--nofile=${restingLimit}`]);
    fake.reset();
    fake.enqueue(streamScript('openai', { text: ['again'], usage }));
    const again = await openStream();
    expect(again.status).toBe(200);
    expect(await readUsage()).toBe(renderNanos(BigInt(served + 1) * streamCostNanos));
    expect(await readEndpoint()).toMatchObject({ status: 0, circuit: 'closed', uptime_last_5m: 100 });
  }, 60_000);
});
