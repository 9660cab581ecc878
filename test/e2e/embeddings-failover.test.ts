import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createMemberKey, readGeneration } from '../support/gateway-config.js';
import { createFailoverConfig } from '../support/failover-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * An embeddings model with two endpoints routes like a chat model: A (far cheaper, so first in the price-weighted
 * order) fails before answering, B serves and is the one charged; A's failure shows in its health.
 */

let a: FakeUpstream;
let b: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let key: string;

const embedModel = `
  - id: test/embed-two
    name: Embed Two
    author: test
    origin: US
    context_length: 8192
    output_modalities: [embeddings]
    endpoints:
      - provider: fake-a
        model: embed-a
        pricing: { prompt: "0.01", completion: "0" }
      - provider: fake-b
        model: embed-b
        pricing: { prompt: "100.00", completion: "0" }
`;

beforeAll(async () => {
  a = await createFakeUpstream();
  b = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: createFailoverConfig(a.baseUrl, b.baseUrl) + embedModel });
  key = (await createMemberKey(gateway.url, 'embeddings-failover')).key;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await Promise.all([a.close(), b.close()]);
});

const vectors = [[0.5, -0.25, 0.125]];
const answer = {
  object: 'list',
  model: 'embed-b',
  data: [{ object: 'embedding', index: 0, embedding: vectors[0] }],
  usage: { prompt_tokens: 1_000, total_tokens: 1_000 },
};

describe('embeddings failover', () => {
  it('A answers 503 → B serves, charged once at B’s price; A’s failure is in its health', async () => {
    a.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' });
    b.enqueue({ kind: 'json', body: answer });
    const { data, response } = await client.embeddings
      .create({ model: 'test/embed-two', input: ['alpha'], encoding_format: 'float' })
      .withResponse();
    expect(data.data.map((item) => item.embedding)).toEqual(vectors);
    expect(response.headers.get('x-meridian-provider')).toBe('fake-b');
    // 1 000 tokens × 100.00 USD per 1M = 0.1 USD.
    expect(data.usage).toMatchObject({ prompt_tokens: 1_000, cost: 0.1 });
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
    expect(b.received[0]!.body['model']).toBe('embed-b');
    const generation = await readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
    expect(generation).toMatchObject({ provider_name: 'fake-b', total_cost: 0.1, cost_nanos: '100000000' });
    const endpoints = (await (await fetch(`${gateway.url}/api/v1/models/test/embed-two/endpoints`)).json()) as {
      data: { endpoints: Record<string, unknown>[] };
    };
    expect(endpoints.data.endpoints.map((endpoint) => [endpoint['tag'], endpoint['uptime_last_5m']])).toEqual([
      ['fake-a', 0],
      ['fake-b', 100],
    ]);
  });

  it('does not fail over on the client’s own mistake (400 from A)', async () => {
    a.enqueue({ kind: 'error', status: 400, body: '{"error":{"message":"bad dimensions"}}' });
    const error = (await client.embeddings
      .create({ model: 'test/embed-two', input: ['alpha'], encoding_format: 'float' })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    expect(b.received).toHaveLength(1);
  });

  it('with every endpoint resting, tells the wait of the one free soonest', async () => {
    const tooMany = (seconds: string) =>
      ({
        kind: 'error',
        status: 429,
        body: '{"error":{"message":"slow"}}',
        headers: { 'retry-after': seconds },
      }) as const;
    a.enqueue(tooMany('9999'));
    b.enqueue(tooMany('30'));
    const create = async () =>
      (await client.embeddings
        .create({ model: 'test/embed-two', input: ['alpha'], encoding_format: 'float' })
        .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    const first = await create();
    expect([first.status, first.code, first.headers?.get('retry-after')]).toEqual([429, 'upstream_rate_limited', '30']);
    const resting = await create();
    expect([resting.status, resting.code]).toEqual([429, 'upstream_rate_limited']);
    expect(resting.message).toContain('Provider fake-b is resting');
    expect(Number(resting.headers?.get('retry-after'))).toBeLessThanOrEqual(30);
    expect([a.received.length, b.received.length]).toEqual([3, 2]);
  });
});
