import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { createFailoverModelsConfig } from '../support/failover-config.js';
import { createMemberKey, postChat } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The retry budget is kept per deployment (RELIABILITY.md): with three fallbacks held open at B (B's floor of 3, as
 * only three attempts are in flight to it), a fourth fallback to B is refused, while a call of another model failing
 * over from C to D is still served: B's full budget is not D's.
 */

let a: FakeUpstream;
let b: FakeUpstream;
let c: FakeUpstream;
let d: FakeUpstream;
let gateway: GatewayProcess;
let key: string;

/** Models `test/first` (A, then B) and `test/second` (C, then D): the cheaper endpoint is tried first by price. */
function createConfig(): string {
  return createFailoverModelsConfig({
    providers: { 'fake-a': a.baseUrl, 'fake-b': b.baseUrl, 'fake-c': c.baseUrl, 'fake-d': d.baseUrl },
    models: { 'test/first': ['fake-a', 'fake-b'], 'test/second': ['fake-c', 'fake-d'] },
    // Long enough that B's held streams stay open until the test releases them.
    timeouts: '{ connect_ms: 2000, first_byte_ms: 20000, idle_ms: 60000 }',
    deadlineMs: 30_000,
  });
}

const answer = { text: ['Served', ' after all.'], usage: { input: 5, cached: 0, output: 3, reasoning: 0 } };
const overloaded: Scenario = { kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' };

/** B’s answer, held open after its first text until the test releases it. */
function heldStream(): Scenario {
  const scenario = streamScript('openai', answer);
  if (scenario.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
  return { ...scenario, holdAfter: 2 };
}

function call(model: string, stream: boolean): Promise<Response> {
  const messages = [{ role: 'user', content: 'hi' }];
  return postChat(gateway.url, key, { model, messages, stream, provider: { sort: 'price' } });
}

beforeAll(async () => {
  [a, b, c, d] = await Promise.all([
    createFakeUpstream(),
    createFakeUpstream(),
    createFakeUpstream(),
    createFakeUpstream(),
  ]);
  gateway = await startGatewayProcess({ configYaml: createConfig() });
  key = (await createMemberKey(gateway.url, 'retry-budget')).key;
}, 30_000);

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await Promise.all([a, b, c, d].map((fake) => fake.close()));
});

describe('retry budget per deployment', () => {
  it('caps fallbacks to one deployment at its floor of 3 without touching another deployment’s budget', async () => {
    const held: Response[] = [];
    for (let index = 0; index < 3; index += 1) {
      a.enqueue(overloaded);
      b.enqueue(heldStream());
      const response = await call('test/first', true);
      expect([response.status, response.headers.get('x-meridian-provider')]).toEqual([200, 'fake-b']);
      expect(response.headers.get('x-meridian-attempts')).toBe('2');
      held.push(response);
    }

    // Another deployment's budget is its own: C fails, the fallback to D is sent and serves.
    c.enqueue(overloaded);
    d.enqueue(completeScript('openai', answer));
    const other = await call('test/second', false);
    expect([other.status, other.headers.get('x-meridian-provider')]).toEqual([200, 'fake-d']);
    expect(other.headers.get('x-meridian-attempts')).toBe('2');
    expect([c.received.length, d.received.length]).toEqual([1, 1]);

    // B has three retries in flight, its floor: the fourth fallback to it is not sent; A's failure is the answer.
    a.enqueue(overloaded);
    const refused = await call('test/first', false);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    expect([a.received.length, b.received.length]).toEqual([4, 3]);

    b.release();
    const texts = await Promise.all(held.map((response) => response.text()));
    for (const text of texts) expect(text).toContain('after all.');

    // With B's retries finished, its budget is whole again.
    a.enqueue(overloaded);
    b.enqueue(completeScript('openai', answer));
    const again = await call('test/first', false);
    expect([again.status, again.headers.get('x-meridian-attempts')]).toEqual([200, '2']);
    expect([a.received.length, b.received.length]).toEqual([5, 4]);
  });
});
