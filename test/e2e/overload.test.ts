import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { createGatewayConfig, createMemberKey, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A node out of file descriptors (each open stream holds two sockets): calls it cannot connect upstream get 503
 * `gateway_overloaded` with `Retry-After: 1`, never a provider error; the provider's health is not charged for it, and
 * with descriptors available again the node serves at once.
 */

/** Descriptors left above those open at rest, once the gateway has started: room for a few streams. */
const spareDescriptors = 12;
const callsCount = 40;

const usage = { input: 3, cached: 0, output: 2, reasoning: 0 };

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

async function openStream(): Promise<{ status: number; retryAfter: string | null; body: string }> {
  try {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 5,
        stream: true,
      }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
  } catch {
    // Refused at accept (no descriptor for the connection): the kernel or libuv closes it.
    return { status: 0, retryAfter: null, body: '' };
  }
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
    // Held streams stay open until released: wait (bounded) until every call that got through is at the provider.
    for (let poll = 0; poll < 40; poll += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    fake.release();
    const results = await Promise.all(calls);
    const overloaded = results.filter((result) => result.status === 503);
    expect(overloaded.length).toBeGreaterThan(0);
    for (const result of overloaded) {
      expect(result.retryAfter).toBe('1');
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'gateway_overloaded', type: 'server_error' } });
    }
    // Every call either streamed to the end, was refused as overload, or was closed at accept: never a 502.
    for (const result of results) expect([0, 200, 503]).toContain(result.status);
    for (const result of results.filter((each) => each.status === 200)) expect(result.body).toContain('data: [DONE]');
    expect(results.filter((result) => result.status === 200).length).toBe(fake.received.length);

    // Descriptors back (idle keep-alive sockets would hold them for a while: the limit is raised again, as an operator
    // would), with no restart: the next call is served, and the endpoint's record holds no failure from the shortage.
    execFileSync('prlimit', ['--pid', String(gateway.child.pid), `--nofile=${restingLimit}`]);
    fake.reset();
    fake.enqueue(streamScript('openai', { text: ['again'], usage }));
    const again = await openStream();
    expect(again.status).toBe(200);
    expect(await readEndpoint()).toMatchObject({ status: 0, circuit: 'closed', uptime_last_5m: 100 });
  }, 60_000);
});
