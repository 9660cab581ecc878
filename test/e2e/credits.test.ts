import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript, unfinishedStreamFrames } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig, meteredModelByProtocol } from '../support/credits-config.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The money path end to end: exact charges, 402 before the upstream is called,
 * max_tokens lowered to what the balance affords, 500 concurrent streams against a
 * balance for about 40, idempotent replays, per-key rate limits — and after every
 * scenario `meridian ledger verify` reports every invariant holding.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
let fake: FakeUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
  const orgs = {
    ...{ acme: '0.01', poor: '0.00001', tight: '0.0002', crowd: '0.009', replay: '0.01', limited: '1.00' },
    crumb: '0.000000001',
  };
  const configYaml = createCreditsConfig(fake.baseUrl, orgs, { hasProtocolModels: true });
  gateway = await startGatewayProcess({ configYaml });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

afterEach(async () => {
  fake.reset();
  await expectLedgerVerifies();
});

async function expectLedgerVerifies(): Promise<void> {
  const { stdout } = await run(
    process.execPath,
    [mainPath, 'ledger', 'verify', '--config', join(gateway.directory, 'meridian.yaml')],
    {
      env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' },
    },
  );
  expect(stdout).not.toContain('✗');
  expect(stdout).toContain('INV-1');
}

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function createKey(org: string, fields: Record<string, unknown> = {}): Promise<string> {
  const created = await admin('POST', '/keys', { name: `${org}-key`, org_id: org, ...fields });
  return created['key'] as string;
}

async function credits(key: string): Promise<Record<string, number>> {
  const response = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { data: Record<string, number> }).data;
}

function post(
  key: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], ...body }),
    ...(signal === undefined ? {} : { signal }),
  });
}

const usage = (input: number, output: number) => ({ input, cached: 0, output, reasoning: 0 });

/** Streams `model`, reads the first bytes, waits until the fake holds its stream, then leaves; the generation id. */
async function leaveAfterFirstRead(key: string, model: string): Promise<string> {
  const controller = new AbortController();
  const response = await post(key, { model, stream: true, max_tokens: 50 }, {}, controller.signal);
  await response.body!.getReader().read();
  await fake.waitForHold();
  controller.abort();
  return response.headers.get('x-meridian-generation-id')!;
}

describe('charges and balances', () => {
  it('charges exactly prompt × 1 000 + completion × 2 000 nano-USD and reports the balance', async () => {
    const key = await createKey('acme');
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(50, 20) }));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'test/metered',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
    });
    expect((completion.usage as unknown as { cost: number }).cost).toBe(0.00009);
    expect(await credits(key)).toMatchObject({
      total_credits: 0.01,
      total_usage: 0.00009,
      available: 0.00991,
      held: 0,
    });
    const generation = await readGeneration(gateway.url, key, completion.id);
    expect(generation).toMatchObject({ cost_nanos: '90000', total_cost: 0.00009 });
  });

  it("prices the next call with a markup changed through the API (this node's cache applies it at once)", async () => {
    await admin('POST', '/orgs', { id: 'marked', markup_basis_points: 0 });
    await admin('POST', '/orgs/marked/credits', { amount: '0.01' });
    const key = await createKey('marked');
    const charge = async (): Promise<Record<string, unknown>> => {
      fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(50, 20) }));
      const response = await post(key, { max_tokens: 100 });
      expect(response.status).toBe(200);
      return readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
    };
    // 50 × 1 000 + 20 × 2 000 = 90 000 nano-USD upstream; the customer pays that × (1 + markup).
    expect(await charge()).toMatchObject({ cost_nanos: '90000', upstream_cost_nanos: '90000' });
    await admin('POST', '/orgs', { id: 'marked', markup_basis_points: 2_500 });
    expect(await charge()).toMatchObject({ cost_nanos: '112500', upstream_cost_nanos: '90000' });
    await admin('POST', '/orgs', { id: 'marked', markup_basis_points: -10_000 });
    expect(await charge()).toMatchObject({ cost_nanos: '0', upstream_cost_nanos: '90000' });
  });

  it('answers 402 before calling the upstream when the balance cannot pay for the prompt', async () => {
    const key = await createKey('poor');
    const response = await post(key, {});
    expect(response.status).toBe(402);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('insufficient_credits');
    expect(fake.received).toHaveLength(0);
  });

  it('names the amounts of a 402 as plain USD decimals, down to one nano-USD', async () => {
    const response = await post(await createKey('crumb'), {});
    expect(response.status).toBe(402);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "The org's credit cannot pay for this request: it needs at least $0.000028 for the prompt, $0.000000001 is available.",
    );
    expect(fake.received).toHaveLength(0);
  });

  it('lowers max_tokens to what the balance affords and says so in the warnings', async () => {
    const key = await createKey('tight');
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(20, 5) }));
    const response = await post(key, {});
    expect(response.status).toBe(200);
    const sent = fake.received[0]!.body['max_tokens'] as number;
    expect(sent).toBeGreaterThan(0);
    // 0.0002 USD = 200 000 nano-USD; output costs 2 000 each, so fewer than 100 fit after the prompt.
    expect(sent).toBeLessThan(100);
    const warnings = JSON.parse(response.headers.get('x-meridian-warnings')!) as Record<string, unknown>[];
    expect(warnings).toContainEqual({
      type: 'clamped-setting',
      setting: 'max_tokens',
      from: expect.any(Number) as number,
      to: sent,
    });
  });

  it('charges nothing when no output was produced', async () => {
    const key = await createKey('acme');
    const before = await credits(key);
    fake.enqueue(completeScript('openai', { text: [''], usage: usage(30, 0) }));
    const response = await post(key, { max_tokens: 10 });
    expect(response.status).toBe(200);
    const generation = await readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
    expect(generation).toMatchObject({ ending: 'no_output', cost_nanos: '0' });
    expect((await credits(key))['total_usage']).toBe(before['total_usage']);
  });
});

describe('key credit limits', () => {
  it('counts a key’s spend in its window, reports it at /api/v1/key, and refuses past the limit with 402', async () => {
    // Limit 100 000 nano-USD a day; one call of 50 × 1 000 + 20 × 2 000 = 90 000 leaves 10 000: too little for a prompt.
    const key = await createKey('acme', { limit: '0.0001', limit_reset: 'daily' });
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(50, 20) }));
    expect((await post(key, { max_tokens: 20 })).status).toBe(200);
    const current = (await (
      await fetch(`${gateway.url}/api/v1/key`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: Record<string, unknown>;
    };
    expect(current.data).toMatchObject({
      limit: 0.0001,
      limit_reset: 'daily',
      usage: 0.00009,
      limit_remaining: 0.00001,
    });
    const refused = await post(key, { max_tokens: 20 });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('key_limit_reached');
  });
});

describe('key rotation', () => {
  it('keeps what the key spent in its window: rotating it is no way around its limit', async () => {
    // As in the credit-limit case above: one call spends 90 000 of the key's 100 000 nano-USD a day.
    const created = await admin('POST', '/keys', {
      name: 'spent',
      org_id: 'acme',
      limit: '0.0001',
      limit_reset: 'daily',
    });
    const id = (created['data'] as { id: string }).id;
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(50, 20) }));
    expect((await post(created['key'] as string, { max_tokens: 20 })).status).toBe(200);
    const rotated = await admin('POST', `/keys/${id}/rotate`);
    expect((rotated['data'] as { id: string }).id).toBe(id);
    const secret = rotated['key'] as string;
    const current = (await (
      await fetch(`${gateway.url}/api/v1/key`, { headers: { authorization: `Bearer ${secret}` } })
    ).json()) as { data: Record<string, unknown> };
    expect(current.data).toMatchObject({ usage: 0.00009, limit_remaining: 0.00001 });
    const refused = await post(secret, { max_tokens: 20 });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([
      402,
      'key_limit_reached',
    ]);
  });

  it('issues a new secret with the same settings and revokes the old one at once', async () => {
    const created = await admin('POST', '/keys', {
      name: 'rotating',
      org_id: 'acme',
      requests_per_minute: 7,
      limit: '2.50',
    });
    const oldSecret = created['key'] as string;
    const oldId = (created['data'] as { id: string }).id;
    const rotated = await admin('POST', `/keys/${oldId}/rotate`);
    const newSecret = rotated['key'] as string;
    expect(rotated['rotated_from']).toBe(oldId);
    expect(rotated['data']).toMatchObject({ name: 'rotating', org_id: 'acme', requests_per_minute: 7, limit: 2.5 });
    const status = async (secret: string) =>
      (await fetch(`${gateway.url}/api/v1/key`, { headers: { authorization: `Bearer ${secret}` } })).status;
    expect(await status(oldSecret)).toBe(401);
    expect(await status(newSecret)).toBe(200);
  });
});

describe('credit codes', () => {
  it('pays out each code exactly once, even when two orgs redeem it at the same instant', async () => {
    const created = (await admin('POST', '/credit-codes', { amount: '1.00', count: 2 })) as { codes: string[] };
    expect(created.codes).toHaveLength(2);
    expect(created.codes[0]).toMatch(/^mer-cc-[A-Za-z0-9_-]{22}$/);
    const poorKey = await createKey('poor');
    const tightKey = await createKey('tight');
    const redeem = (key: string, code: string) =>
      fetch(`${gateway.url}/api/v1/credits/redeem`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
    const poorBefore = (await credits(poorKey))['total_credits']!;
    const tightBefore = (await credits(tightKey))['total_credits']!;
    const [first, second] = await Promise.all([
      redeem(poorKey, created.codes[0]!),
      redeem(tightKey, created.codes[0]!),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 404]);
    const gained =
      (await credits(poorKey))['total_credits']! -
      poorBefore +
      ((await credits(tightKey))['total_credits']! - tightBefore);
    expect(Math.round(gained * 1e9)).toBe(1_000_000_000);
    expect((await redeem(poorKey, created.codes[0]!)).status).toBe(404);
    expect((await redeem(poorKey, 'mer-cc-not-a-real-code-000000')).status).toBe(404);
    expect((await redeem(poorKey, created.codes[1]!)).status).toBe(200);
  });
});

/** One OpenAI-compatible text chunk, as a fake upstream streams it. */
const chunk = (content: string): string =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
// No usage from the provider: prompt estimated locally ("hi": 3 + 3 + 1 + 1 = 8 tokens), the 2 delivered tokens
// counted: 8 × 1 000 + 2 × 2 000 = 12 000 nano-USD.
const deliveredCharge = '12000';

describe('charges by ending (PRODUCT.md §4)', () => {
  it('upstream error after output: prompt + delivered completion', async () => {
    const key = await createKey('acme');
    fake.enqueue({ kind: 'reset-mid-stream', frames: [chunk('Partial answer')] });
    const response = await post(key, { stream: true, max_tokens: 50 });
    expect(await response.text()).toContain('"finish_reason":"error"');
    const generation = await readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
    expect(generation).toMatchObject({ ending: 'upstream_error_after_output', cost_nanos: deliveredCharge });
  });

  // An Anthropic upstream reports the prompt in message_start (25 tokens here, more than the local estimate of 8);
  // a stream cut after it, by the provider or by the client, is charged that prompt and the 2 delivered tokens,
  // counted locally: 25 × 1 000 + 2 × 2 000 = 29 000 nano-USD.
  const anthropicCutCharge = '29000';

  /** Streams `model` from an upstream answering `scenario`, which ends the stream early; the generation's record. */
  async function streamEndingEarly(scenario: Scenario, model: string): Promise<Record<string, unknown>> {
    const key = await createKey('acme');
    fake.enqueue(scenario);
    const response = await post(key, { model, stream: true, max_tokens: 50 });
    expect(await response.text()).toContain('"finish_reason":"error"');
    return readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
  }

  it('an Anthropic stream cut after output: the prompt message_start reported + delivered completion', async () => {
    const frames = unfinishedStreamFrames('anthropic', ['Partial', ' answer'], 25);
    expect(
      await streamEndingEarly({ kind: 'reset-mid-stream', frames }, meteredModelByProtocol.anthropic),
    ).toMatchObject({
      ending: 'upstream_error_after_output',
      tokens_prompt: 25,
      tokens_completion: 2,
      usage_estimated: true,
      cost_nanos: anthropicCutCharge,
    });
  });

  // Some OpenAI-compatible servers repeat usage in every chunk (prompt 30), the completion count a provisional 0.
  const usageChunks = unfinishedStreamFrames('openai', ['Partial', ' answer'], 30, { isUsageRepeated: true });
  const failure = `data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`;
  it.each([
    ['a cut', { kind: 'reset-mid-stream', frames: usageChunks }],
    ['an error event', { kind: 'sse', frames: [...usageChunks, failure] }],
  ] as const)(
    "%s after usage chunks: the provider's prompt count, the delivered completion counted",
    async (_, scenario) => {
      const generation = await streamEndingEarly(scenario, 'test/metered');
      // 30 × 1 000 + 2 × 2 000 = 34 000 nano-USD: never the provisional 0 (which would charge no completion at all).
      expect(generation).toMatchObject({
        ending: 'upstream_error_after_output',
        tokens_prompt: 30,
        tokens_completion: 2,
        usage_estimated: true,
        cost_nanos: '34000',
      });
    },
  );

  // A whole answer, its finish and its usage chunk (50 + 20, OpenAI's final counts), without the closing `[DONE]`.
  const finishedFrames = (): string[] => {
    const frames = (
      streamScript('openai', { text: ['Hello', ' there'], usage: usage(50, 20) }) as {
        readonly frames: readonly string[];
      }
    ).frames;
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    // The finish chunk and the usage chunk in one write: the gateway reads both before its client sees the finish.
    const body = frames.slice(0, -1);
    return [...body.slice(0, -2), body.slice(-2).join('')];
  };

  it("a client leaving after the finish, before [DONE]: charged the provider's final usage, not an estimate", async () => {
    const key = await createKey('acme');
    const frames = finishedFrames();
    fake.enqueue({ kind: 'sse', frames, holdAfter: frames.length });
    const controller = new AbortController();
    const response = await post(key, { model: 'test/metered', stream: true, max_tokens: 50 }, {}, controller.signal);
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"finish_reason":"stop"')) seen += new TextDecoder().decode((await reader.read()).value);
    await fake.waitForHold();
    controller.abort();
    const id = response.headers.get('x-meridian-generation-id')!;
    await expect
      .poll(async () => (await readGeneration(gateway.url, key, id))['ending'], { timeout: 2_000 })
      .toBe('client_abort');
    // 50 × 1 000 + 20 × 2 000: the provider's counts (before, 2 delivered tokens were counted and flagged estimated).
    expect(await readGeneration(gateway.url, key, id)).toMatchObject({
      tokens_prompt: 50,
      tokens_completion: 20,
      usage_estimated: false,
      cost_nanos: '90000',
    });
  });

  it('a stream cut after its finish and usage, before [DONE]: a whole answer, settled and ended as a success', async () => {
    const key = await createKey('acme');
    fake.enqueue({ kind: 'reset-mid-stream', frames: finishedFrames() });
    const response = await post(key, { model: 'test/metered', stream: true, max_tokens: 50 });
    const text = await response.text();
    expect(text).not.toContain('"finish_reason":"error"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!)).toMatchObject({
      ending: 'success',
      tokens_prompt: 50,
      tokens_completion: 20,
      usage_estimated: false,
      cost_nanos: '90000',
    });
  });

  it('a client leaving an Anthropic stream: the prompt message_start reported + what was generated', async () => {
    const key = await createKey('acme');
    const frames = unfinishedStreamFrames('anthropic', ['Hello there'], 25);
    fake.enqueue({ kind: 'sse', frames, holdAfter: frames.length });
    const id = await leaveAfterFirstRead(key, meteredModelByProtocol.anthropic);
    await expect
      .poll(async () => (await readGeneration(gateway.url, key, id))['cost_nanos'], { timeout: 2_000 })
      .toBe(anthropicCutCharge);
    expect(await readGeneration(gateway.url, key, id)).toMatchObject({
      ending: 'client_abort',
      tokens_prompt: 25,
      tokens_completion: 2,
      usage_estimated: true,
    });
  });

  it('client disconnect mid-stream: prompt + what was generated until the abort, never 0', async () => {
    const key = await createKey('acme');
    fake.enqueue({ kind: 'sse', frames: [chunk('Hello there')], holdAfter: 1 });
    const id = await leaveAfterFirstRead(key, 'test/metered');
    await expect
      .poll(async () => (await readGeneration(gateway.url, key, id))['cost_nanos'], { timeout: 2_000 })
      .toBe(deliveredCharge);
    expect(await readGeneration(gateway.url, key, id)).toMatchObject({ ending: 'client_abort' });
  });
});

describe('500 concurrent streams against a balance for about 40', () => {
  it('never overspends: the rest get 402, the balance ends ≥ 0 and equals credit − settled, no hold left', async () => {
    const key = await createKey('crowd');
    for (let index = 0; index < 500; index += 1)
      fake.enqueue(streamScript('openai', { text: ['a', 'b'], usage: usage(20, 100) }));
    const statuses = await Promise.all(
      Array.from({ length: 500 }, async () => {
        const response = await post(key, { stream: true, max_tokens: 100 });
        await response.text();
        return response.status;
      }),
    );
    const admitted = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 402)).toEqual([]);
    // Each full hold is ≈ 228 000 nano-USD (sized prompt + 100 × 2 000) of 9 000 000: 39 full holds; what calls
    // release as they settle (each costs 220 000) admits a few more with partial holds and lowered max_tokens.
    expect(admitted).toBeGreaterThanOrEqual(39);
    expect(admitted).toBeLessThanOrEqual(60);
    const balance = await credits(key);
    expect(balance['held']).toBe(0);
    expect(balance['available']).toBeGreaterThanOrEqual(0);
    expect(balance['total_usage']).toBeLessThanOrEqual(0.009);
    expect(Math.round((balance['total_credits']! - balance['total_usage']!) * 1e9)).toBe(
      Math.round(balance['available']! * 1e9),
    );
  });
});

describe('Idempotency-Key', () => {
  it('replays a duplicate (serial and concurrent) with one upstream call and one charge; another body is 409', async () => {
    const key = await createKey('replay');
    fake.enqueue(completeScript('openai', { text: ['once'], usage: usage(10, 10) }));
    const first = await post(key, { max_tokens: 20 }, { 'idempotency-key': 'req-1' });
    const firstBody = await first.text();
    const again = await post(key, { max_tokens: 20 }, { 'idempotency-key': 'req-1' });
    expect(await again.text()).toBe(firstBody);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    fake.enqueue(streamScript('openai', { text: ['st', 'ream'], usage: usage(10, 10) }));
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(key, { max_tokens: 20, stream: true }, { 'idempotency-key': 'req-2' }).then((response) => response.text()),
      ),
    );
    expect(new Set(concurrent).size).toBe(1);
    expect(concurrent[0]).toContain('ream');
    expect(fake.received).toHaveLength(2);
    // Two charges of 10 × 1 000 + 10 × 2 000 = 30 000 nano-USD.
    expect((await credits(key))['total_usage']).toBe(0.00006);
    const conflict = await post(key, { max_tokens: 21 }, { 'idempotency-key': 'req-1' });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('idempotency_conflict');
  });

  it('a client that left mid-stream: its retry with the same key replays what was sent, no upstream call, no new charge', async () => {
    const key = await createKey('acme');
    fake.reset();
    fake.enqueue({ kind: 'sse', frames: [chunk('Hello there')], holdAfter: 1 });
    const controller = new AbortController();
    const headers = { 'idempotency-key': 'left-1' };
    const first = await post(key, { stream: true, max_tokens: 50 }, headers, controller.signal);
    const firstChunk = new TextDecoder().decode((await first.body!.getReader().read()).value);
    await fake.waitForHold();
    controller.abort();
    const id = first.headers.get('x-meridian-generation-id')!;
    await expect
      .poll(async () => (await readGeneration(gateway.url, key, id))['cost_nanos'], { timeout: 2_000 })
      .toBe(deliveredCharge);
    const usageAfterFirst = (await credits(key))['total_usage'];
    const retry = await post(key, { stream: true, max_tokens: 50 }, headers);
    const replayed = await retry.text();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.startsWith(firstChunk)).toBe(true);
    expect(replayed).toContain('Hello there');
    expect(fake.received).toHaveLength(1);
    expect((await credits(key))['total_usage']).toBe(usageAfterFirst);
  });

  it('refuses an empty Idempotency-Key, or one sent twice, with 400 before any upstream call or charge', async () => {
    const key = await createKey('replay');
    const usageBefore = (await credits(key))['total_usage'];
    const empty = await post(key, { max_tokens: 20 }, { 'idempotency-key': '' });
    const twice = await postWithHeaderLines(key, 'idempotency-key', ['req-a', 'req-b']);
    expect([empty.status, await empty.json()]).toMatchObject([
      400,
      { error: { code: 'invalid_request', param: 'Idempotency-Key', message: expect.stringContaining('1 to 255') } },
    ]);
    expect([twice.status, JSON.parse(twice.body)]).toMatchObject([
      400,
      { error: { code: 'invalid_request', param: 'Idempotency-Key', message: expect.stringContaining('once') } },
    ]);
    expect(fake.received).toHaveLength(0);
    expect((await credits(key))['total_usage']).toBe(usageBefore);
  });
});

/** A chat call with one header written on several lines (fetch would join them into one line). */
function postWithHeaderLines(
  key: string,
  name: string,
  values: readonly string[],
): Promise<{ status: number; body: string }> {
  const url = new URL(`${gateway.url}/v1/chat/completions`);
  const body = JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', [name]: [...values] };
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('rate limits per key', () => {
  it('admits exactly requests_per_minute, then 429 with Retry-After and x-ratelimit headers', async () => {
    const key = await createKey('limited', { requests_per_minute: 3 });
    const secondsLeft = 60 - new Date().getUTCSeconds();
    if (secondsLeft < 3) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 100));
    for (let index = 0; index < 3; index += 1)
      fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(5, 5) }));
    const responses = [];
    for (let index = 0; index < 4; index += 1) responses.push(await post(key, { max_tokens: 10 }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(responses.map((response) => response.headers.get('x-ratelimit-remaining-requests'))).toEqual([
      '2',
      '1',
      '0',
      '0',
    ]);
    expect(responses[3]!.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(Number(responses[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await responses[3]!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('counts tokens_per_minute by what was billed, then 429 with the token headers', async () => {
    const key = await createKey('limited', { tokens_per_minute: 100 });
    const secondsLeft = 60 - new Date().getUTCSeconds();
    if (secondsLeft < 3) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 100));
    // Each call is billed 30 prompt + 20 completion = 50 tokens: two fill the minute's 100, the third is refused.
    for (let index = 0; index < 2; index += 1)
      fake.enqueue(completeScript('openai', { text: ['ok'], usage: usage(30, 20) }));
    const responses = [];
    for (let index = 0; index < 3; index += 1) responses.push(await post(key, { max_tokens: 20 }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(fake.received).toHaveLength(2);
    // While a call runs its local prompt estimate counts; once finished, its billed 50 replace it.
    const estimate = 100 - Number(responses[0]!.headers.get('x-ratelimit-remaining-tokens'));
    expect(estimate).toBeGreaterThan(0);
    expect(responses.map((response) => response.headers.get('x-ratelimit-remaining-tokens'))).toEqual([
      String(100 - estimate),
      String(100 - 50 - estimate),
      '0',
    ]);
    expect(responses[2]!.headers.get('x-ratelimit-limit-tokens')).toBe('100');
    expect(responses[2]!.headers.get('x-ratelimit-limit')).toBe('100');
    expect(Number(responses[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await responses[2]!.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'rate_limited',
    });
  });

  it('bounds concurrent requests per key', async () => {
    const key = await createKey('limited', { concurrency: 1 });
    fake.enqueue({ ...streamScript('openai', { text: ['slow'], usage: usage(5, 5) }), holdAfter: 1 } as never);
    const held = post(key, { stream: true, max_tokens: 10 });
    await fake.waitForHold();
    const second = await post(key, { max_tokens: 10 });
    expect(second.status).toBe(429);
    fake.release();
    expect((await held).status).toBe(200);
  });
});
