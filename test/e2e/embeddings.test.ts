import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { validateSchema } from '../support/openapi.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('embeddings');
});

afterAll(() => stack.stop());

const vectors = [
  [0.5, -0.25, 0.125],
  [1, 0, -1],
];

function upstreamAnswer(withUsage: boolean): unknown {
  return {
    object: 'list',
    model: 'fake-embed-model',
    // Out of order on purpose: the gateway orders by `index`.
    data: [
      { object: 'embedding', index: 1, embedding: vectors[1] },
      { object: 'embedding', index: 0, embedding: vectors[0] },
    ],
    ...(withUsage ? { usage: { prompt_tokens: 1_000, total_tokens: 1_000 } } : {}),
  };
}

describe('POST /v1/embeddings', () => {
  it('returns vectors in input order through the OpenAI SDK (base64 by default), metered exactly', async () => {
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    const { data: result, response } = await stack.client.embeddings
      .create({ model: 'test/fake-embed', input: ['alpha', 'beta'], dimensions: 3 })
      .withResponse();
    expect(result.data.map((item) => item.embedding)).toEqual(vectors);
    expect(result.usage).toMatchObject({ prompt_tokens: 1_000, total_tokens: 1_000, cost: 0.00002 });
    const sent = stack.fake.received.at(-1)!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.body).toEqual({
      model: 'fake-embed-model',
      input: ['alpha', 'beta'],
      encoding_format: 'float',
      dimensions: 3,
    });
    const generation = await readGeneration(
      stack.gateway.url,
      stack.key,
      response.headers.get('x-meridian-generation-id')!,
    );
    expect(generation).toMatchObject({
      tokens_prompt: 1_000,
      tokens_completion: 0,
      total_cost: 0.00002,
      // Vectors come whole, as a JSON answer: no time to first token.
      time_to_first_token: null,
    });
  });

  it('answers float vectors that validate against the OpenAI spec; estimates tokens when the upstream reports none', async () => {
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(false) });
    const response = await fetch(`${stack.gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-embed', input: ['hello world', 'hi'], encoding_format: 'float' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(validateSchema('CreateEmbeddingResponse', body)).toEqual([]);
    expect(body.data.map((item) => item.embedding)).toEqual(vectors);
    // o200k: "hello world" = 2 tokens, "hi" = 1.
    expect(body.usage.prompt_tokens).toBe(3);
    const generation = await readGeneration(
      stack.gateway.url,
      stack.key,
      response.headers.get('x-meridian-generation-id')!,
    );
    expect(generation['usage_estimated']).toBe(true);
  });

  it('replays an Idempotency-Key: one upstream call, one charge, the same answer; another body is 409', async () => {
    const send = (input: string[]) =>
      fetch(`${stack.gateway.url}/v1/embeddings`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.key}`,
          'content-type': 'application/json',
          'idempotency-key': 'embed-once-1',
        },
        body: JSON.stringify({ model: 'test/fake-embed', input, encoding_format: 'float' }),
      });
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    const callsBefore = stack.fake.received.length;
    const first = await send(['alpha', 'beta']);
    const firstText = await first.text();
    const second = await send(['alpha', 'beta']);
    expect([first.status, second.status, second.headers.get('idempotent-replayed')]).toEqual([200, 200, 'true']);
    expect(await second.text()).toBe(firstText);
    expect(stack.fake.received.length - callsBefore).toBe(1);
    const other = await send(['gamma']);
    expect([other.status, ((await other.json()) as { error: { code: string } }).error.code]).toEqual([
      409,
      'idempotency_conflict',
    ]);
    expect(stack.fake.received.length - callsBefore).toBe(1);
  });

  it('refuses a chat model on /v1/embeddings, an embeddings model on chat, and token-id input', async () => {
    const call = (path: string, body: unknown) =>
      fetch(`${stack.gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { error: { param: string } },
      }));
    const chatModel = await call('/v1/embeddings', { model: 'test/fake-model', input: 'x' });
    expect(chatModel.status).toBe(400);
    expect(chatModel.body.error.param).toBe('model');
    const embedModel = await call('/v1/chat/completions', {
      model: 'test/fake-embed',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(embedModel.status).toBe(400);
    expect(embedModel.body.error.param).toBe('model');
    const tokens = await call('/v1/embeddings', { model: 'test/fake-embed', input: [[1, 2, 3]] });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error.param).toBe('input[0]');
  });
});

describe('per-key limits on /v1/embeddings', () => {
  async function createKey(fields: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${stack.gateway.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'embed-limits', ...fields }),
    });
    return ((await response.json()) as { key: string }).key;
  }

  const embed = (key: string) =>
    fetch(`${stack.gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-embed', input: ['alpha', 'beta'], encoding_format: 'float' }),
    });

  async function errorCode(response: Response): Promise<string> {
    return ((await response.json()) as { error: { code: string } }).error.code;
  }

  /** The fixed one-minute windows: start a sequence with at least 3 s of its minute left. */
  async function awaitRoomInMinute(): Promise<void> {
    const secondsLeft = 60 - new Date().getUTCSeconds();
    if (secondsLeft < 3) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 100));
  }

  it('admits exactly requests_per_minute, then 429 with Retry-After and the x-ratelimit headers', async () => {
    const key = await createKey({ requests_per_minute: 2 });
    await awaitRoomInMinute();
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    const callsBefore = stack.fake.received.length;
    const responses = [await embed(key), await embed(key), await embed(key)];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(responses.map((response) => response.headers.get('x-ratelimit-remaining-requests'))).toEqual([
      '1',
      '0',
      '0',
    ]);
    expect(Number(responses[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorCode(responses[2]!)).toBe('rate_limited');
    expect(stack.fake.received.length - callsBefore).toBe(2);
  });

  it('counts tokens_per_minute by the billed prompt tokens', async () => {
    const key = await createKey({ tokens_per_minute: 1_000 });
    await awaitRoomInMinute();
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    const callsBefore = stack.fake.received.length;
    const first = await embed(key);
    // The local estimate ("alpha", "beta": 2 tokens) counts while the call runs; the billed 1 000 fill the minute.
    expect([first.status, first.headers.get('x-ratelimit-remaining-tokens')]).toEqual([200, '998']);
    const second = await embed(key);
    expect([second.status, second.headers.get('x-ratelimit-remaining-tokens')]).toEqual([429, '0']);
    expect(await errorCode(second)).toBe('rate_limited');
    expect(stack.fake.received.length - callsBefore).toBe(1);
  });

  it('keeps a key to its allowed models and its credit limit', async () => {
    const callsBefore = stack.fake.received.length;
    const chatOnly = await createKey({ allowed_models: ['test/fake-model'] });
    const refused = await embed(chatOnly);
    expect([refused.status, await errorCode(refused)]).toEqual([403, 'permission_denied']);
    // One call of 1 000 prompt tokens at $0.02 per 1M costs $0.00002: the key's whole limit.
    const capped = await createKey({ limit: '0.00002', limit_reset: 'none' });
    stack.fake.enqueue({ kind: 'json', body: upstreamAnswer(true) });
    expect((await embed(capped)).status).toBe(200);
    const over = await embed(capped);
    expect([over.status, await errorCode(over)]).toEqual([402, 'key_limit_reached']);
    expect(stack.fake.received.length - callsBefore).toBe(1);
  });
});
