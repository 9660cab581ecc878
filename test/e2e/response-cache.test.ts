import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The response cache end to end (PRODUCT.md §4, "served from the gateway's cache": charged 0): a call that asks with
 * `x-meridian-cache: true` is answered from the cache when the same org sent the same body before, with no upstream
 * call, no hold and no charge; the answer is rendered afresh (its own id, `usage.cost` 0) and recorded with the ending
 * `cache`. After every scenario `meridian ledger verify` reports every invariant holding.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const cacheOn = { 'x-meridian-cache': 'true' };
let fake: FakeUpstream;
let gateway: GatewayProcess;
let plain: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
  const orgs = { acme: '0.01', rival: '0.01', tight: '0.0002' };
  const config = createCreditsConfig(fake.baseUrl, orgs);
  gateway = await startGatewayProcess({ configYaml: `${config}cache: { enabled: true, ttl_seconds: 60 }\n` });
  plain = await startGatewayProcess({ configYaml: config });
});

afterAll(async () => {
  await Promise.all([gateway.stop(), plain.stop()]);
  gateway.cleanup();
  plain.cleanup();
  await fake.close();
});

afterEach(async () => {
  fake.reset();
  for (const node of [gateway, plain]) {
    const { stdout } = await run(
      process.execPath,
      [mainPath, 'ledger', 'verify', '--config', join(node.directory, 'meridian.yaml')],
      { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
    );
    expect(stdout).not.toContain('✗');
    expect(stdout).toContain('INV-4');
  }
});

async function createKey(node: GatewayProcess, org: string, fields: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${node.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${org}-key`, org_id: org, ...fields }),
  });
  return ((await response.json()) as { key: string }).key;
}

async function totalUsage(node: GatewayProcess, key: string): Promise<number> {
  const response = await fetch(`${node.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { data: { total_usage: number } }).data.total_usage;
}

function post(
  node: GatewayProcess,
  key: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = cacheOn,
): Promise<Response> {
  return fetch(`${node.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'test/metered',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 50,
      ...body,
    }),
  });
}

/** A USD amount as the API renders it, back in integer nano-USD (exact: amounts are whole nanos). */
const nanos = (usd: number): number => Math.round(usd * 1e9);
const usage = (input: number, output: number) => ({ input, cached: 0, output, reasoning: 0 });
/** 50 prompt tokens at 1 000 and 20 completion tokens at 2 000 nano-USD. */
const firstCharge = 50 * 1_000 + 20 * 2_000;

describe('a JSON answer served again', () => {
  it('answers the same body from the cache: same content, its own id, usage reported, charged 0, no upstream', async () => {
    const key = await createKey(gateway, 'acme');
    fake.enqueue(completeScript('openai', { text: ['Paris', ' is the capital.'], usage: usage(50, 20) }));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: cacheOn });
    const request = { model: 'test/metered', messages: [{ role: 'user' as const, content: 'Capital of France?' }] };
    const first = await client.chat.completions.create({ ...request, max_tokens: 64 }).withResponse();
    const second = await client.chat.completions.create({ ...request, max_tokens: 64 }).withResponse();

    expect(fake.received).toHaveLength(1);
    expect(first.response.headers.get('x-meridian-cache')).toBe('miss');
    expect(second.response.headers.get('x-meridian-cache')).toBe('hit');
    expect(second.response.headers.get('x-meridian-attempts')).toBe('0');
    expect(second.data.choices[0]!.message.content).toBe('Paris is the capital.');
    expect(second.data.choices[0]!.finish_reason).toBe(first.data.choices[0]!.finish_reason);
    expect(second.data.id).not.toBe(first.data.id);
    expect(second.response.headers.get('x-meridian-generation-id')).toBe(second.data.id);
    expect(second.data.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, cost: 0 });
    expect((first.data.usage as unknown as { cost: number }).cost).toBe(firstCharge / 1e9);
    expect(await totalUsage(gateway, key)).toBe(firstCharge / 1e9);
    expect(await readGeneration(gateway.url, key, second.data.id)).toMatchObject({
      ending: 'cache',
      cost_nanos: '0',
      upstream_cost_nanos: '0',
      tokens_prompt: 50,
      tokens_completion: 20,
      provider_name: 'fake-metered',
    });
  });

  it('keeps orgs apart: another org sending the same body is a miss and pays for its own call', async () => {
    const [ours, theirs] = [await createKey(gateway, 'acme'), await createKey(gateway, 'rival')];
    const body = { messages: [{ role: 'user', content: 'a secret of acme' }] };
    fake.enqueue(completeScript('openai', { text: ['for acme'], usage: usage(50, 20) }));
    fake.enqueue(completeScript('openai', { text: ['for rival'], usage: usage(50, 20) }));
    expect((await post(gateway, ours, body)).headers.get('x-meridian-cache')).toBe('miss');
    const before = await totalUsage(gateway, theirs);
    const response = await post(gateway, theirs, body);
    expect(response.headers.get('x-meridian-cache')).toBe('miss');
    expect(
      ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe('for rival');
    expect(fake.received).toHaveLength(2);
    expect(nanos(await totalUsage(gateway, theirs)) - nanos(before)).toBe(firstCharge);
  });

  it('is shared by the keys of one org, and a key limited to other models is refused before the cache', async () => {
    const [first, second] = [await createKey(gateway, 'acme'), await createKey(gateway, 'acme')];
    const limited = await createKey(gateway, 'acme', { allowed_models: ['test/other'] });
    const body = { messages: [{ role: 'user', content: 'shared within the org' }] };
    fake.enqueue(completeScript('openai', { text: ['shared'], usage: usage(50, 20) }));
    expect((await post(gateway, first, body)).headers.get('x-meridian-cache')).toBe('miss');
    expect((await post(gateway, second, body)).headers.get('x-meridian-cache')).toBe('hit');
    const refused = await post(gateway, limited, body);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    expect(fake.received).toHaveLength(1);
  });

  it('caches only calls that ask: without the header every call goes upstream and the answer says nothing', async () => {
    const key = await createKey(gateway, 'acme');
    const body = { messages: [{ role: 'user', content: 'no cache please' }] };
    fake.enqueue(completeScript('openai', { text: ['one'], usage: usage(50, 20) }));
    fake.enqueue(completeScript('openai', { text: ['two'], usage: usage(50, 20) }));
    const first = await post(gateway, key, body, {});
    const second = await post(gateway, key, body, { 'x-meridian-cache': 'false' });
    expect(first.headers.get('x-meridian-cache')).toBeNull();
    expect(second.headers.get('x-meridian-cache')).toBeNull();
    const third = await post(gateway, key, body);
    expect(third.headers.get('x-meridian-cache')).toBe('miss');
    expect(fake.received).toHaveLength(3);
  });

  it('does not keep an answer with no output', async () => {
    const key = await createKey(gateway, 'acme');
    const empty = { messages: [{ role: 'user', content: 'say nothing' }] };
    fake.enqueue(completeScript('openai', { text: [''], usage: usage(30, 0) }));
    fake.enqueue(completeScript('openai', { text: ['now something'], usage: usage(30, 3) }));
    expect((await post(gateway, key, empty)).headers.get('x-meridian-cache')).toBe('miss');
    const second = await post(gateway, key, empty);
    expect(second.headers.get('x-meridian-cache')).toBe('miss');
    expect(await readGeneration(gateway.url, key, second.headers.get('x-meridian-generation-id')!)).toMatchObject({
      ending: 'success',
    });
    expect(fake.received).toHaveLength(2);
  });

  it('keeps an answer admission capped only when it stopped before the cap', async () => {
    const poor = await createKey(gateway, 'tight');
    const capped = { messages: [{ role: 'user', content: 'a long answer' }], max_tokens: 100 };
    fake.enqueue({ kind: 'json', body: openaiAnswer('cut at the cap', 'length') });
    fake.enqueue({ kind: 'json', body: openaiAnswer('cut again', 'length') });
    const first = await post(gateway, poor, capped);
    expect(first.headers.get('x-meridian-warnings')).toContain('clamped-setting');
    expect((await post(gateway, poor, capped)).headers.get('x-meridian-cache')).toBe('miss');
    expect(fake.received).toHaveLength(2);

    const short = { messages: [{ role: 'user', content: 'a short answer' }], max_tokens: 100 };
    fake.enqueue({ kind: 'json', body: openaiAnswer('done', 'stop') });
    expect((await post(gateway, poor, short)).headers.get('x-meridian-warnings')).toContain('clamped-setting');
    expect((await post(gateway, poor, short)).headers.get('x-meridian-cache')).toBe('hit');
    expect(fake.received).toHaveLength(3);
  });
});

/** An OpenAI chat completion of 20 prompt and 5 completion tokens that ended with `finishReason`. */
function openaiAnswer(text: string, finishReason: 'stop' | 'length'): unknown {
  const message = { role: 'assistant', content: text };
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_795_000_000,
    model: 'fake',
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
  };
}

describe('what a hit counts', () => {
  const labels = 'model="test/metered",provider="fake-metered",origin="US"';

  async function readMetrics(): Promise<{ promptTokens: number; cacheRequests: number }> {
    const page = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
    ).text();
    const lines = page.split('\n');
    const prompt = lines.find((line) => line.startsWith(`meridian_tokens_total{${labels},kind="prompt"} `));
    const cacheRequests = lines
      .filter((line) => line.startsWith('meridian_requests_total{') && line.includes('ending="cache"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return { promptTokens: Number(prompt?.slice(prompt.lastIndexOf(' ') + 1) ?? 0), cacheRequests };
  }

  async function readActivityTokens(key: string): Promise<number> {
    const response = await fetch(`${gateway.url}/api/v1/activity?group_by=model`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const rows = ((await response.json()) as { data: { rows: { key: string; totalTokens: number }[] } }).data.rows;
    return rows.find((row) => row.key === 'test/metered')?.totalTokens ?? 0;
  }

  it('counts a request with the ending cache, and no tokens in the metrics or the barometer', async () => {
    const key = await createKey(gateway, 'acme');
    const body = { messages: [{ role: 'user', content: 'count me once' }] };
    fake.enqueue(completeScript('openai', { text: ['counted'], usage: usage(50, 20) }));
    await (await post(gateway, key, body)).text();
    const [metricsBefore, tokensBefore] = [await readMetrics(), await readActivityTokens(key)];
    const hit = await post(gateway, key, body);
    expect(hit.headers.get('x-meridian-cache')).toBe('hit');
    await hit.text();
    // The request counter moves when the response closes, just after the client has the last byte.
    let metricsAfter = await readMetrics();
    for (let attempt = 0; attempt < 50 && metricsAfter.cacheRequests === metricsBefore.cacheRequests; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      metricsAfter = await readMetrics();
    }
    expect(metricsAfter).toEqual({
      promptTokens: metricsBefore.promptTokens,
      cacheRequests: metricsBefore.cacheRequests + 1,
    });
    expect(await readActivityTokens(key)).toBe(tokensBefore);
    expect(tokensBefore).toBeGreaterThanOrEqual(70);
  });
});

describe('streams served again', () => {
  it('re-emits a stream from the cache with the usage chunk charged 0 (OpenAI SDK)', async () => {
    const key = await createKey(gateway, 'acme');
    fake.enqueue(streamScript('openai', { text: ['Once', ' upon', ' a time'], usage: usage(50, 20) }));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: cacheOn });
    const read = async () => {
      const stream = await client.chat.completions.create({
        model: 'test/metered',
        messages: [{ role: 'user', content: 'Tell a story' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let id = '';
      let cost: number | undefined;
      for await (const chunk of stream) {
        id = chunk.id;
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) cost = (chunk.usage as unknown as { cost: number }).cost;
      }
      return { text, id, cost };
    };
    const before = await totalUsage(gateway, key);
    const first = await read();
    const second = await read();
    expect(fake.received).toHaveLength(1);
    expect(second.text).toBe('Once upon a time');
    expect(first).toMatchObject({ text: 'Once upon a time', cost: firstCharge / 1e9 });
    expect(second.cost).toBe(0);
    expect(second.id).not.toBe(first.id);
    expect(nanos(await totalUsage(gateway, key)) - nanos(before)).toBe(firstCharge);
    expect(await readGeneration(gateway.url, key, second.id)).toMatchObject({ ending: 'cache', cost_nanos: '0' });
  });

  it('re-emits a stream with tool calls to an Anthropic client, every event in order (Anthropic SDK)', async () => {
    const key = await createKey(gateway, 'acme');
    const toolCalls = [{ id: 'call_1', name: 'get_weather', argumentPieces: ['{"city":', '"Oslo"}'] }];
    fake.enqueue(streamScript('openai', { text: ['Checking.'], toolCalls, usage: usage(50, 20) }));
    const client = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0, defaultHeaders: cacheOn });
    const read = async () => {
      const stream = client.messages.stream({
        model: 'test/metered',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      });
      const message = await stream.finalMessage();
      return { content: message.content, stop: message.stop_reason, usage: message.usage, id: message.id };
    };
    const before = await totalUsage(gateway, key);
    const first = await read();
    const second = await read();
    expect(fake.received).toHaveLength(1);
    expect(second.content).toMatchObject([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(second.content).toEqual(first.content);
    expect(second.stop).toBe('tool_use');
    expect(second.usage).toMatchObject({ input_tokens: 50, output_tokens: 20 });
    expect(second.id).not.toBe(first.id);
    expect(nanos(await totalUsage(gateway, key)) - nanos(before)).toBe(firstCharge);
  });
});

describe('headers and limits', () => {
  it('refuses a cache header that is not true or false, and a TTL outside 1 … ttl_seconds, with 400', async () => {
    const key = await createKey(gateway, 'acme');
    const refusals: Record<string, string>[] = [
      { 'x-meridian-cache': 'maybe' },
      { 'x-meridian-cache': 'true', 'x-meridian-cache-ttl': '0' },
      { 'x-meridian-cache': 'true', 'x-meridian-cache-ttl': '61' },
      { 'x-meridian-cache': 'true', 'x-meridian-cache-ttl': '1.5' },
    ];
    for (const headers of refusals) {
      const response = await post(gateway, key, {}, headers);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { code: string; param: string } }).error;
      expect(error.code).toBe('invalid_request');
      expect(error.param).toBe(Object.keys(headers).at(-1));
    }
    expect(fake.received).toHaveLength(0);
  });

  it('serves an answer no older than the call accepts (x-meridian-cache-ttl)', async () => {
    const key = await createKey(gateway, 'acme');
    const body = { messages: [{ role: 'user', content: 'fresh answers only' }] };
    fake.enqueue(completeScript('openai', { text: ['old'], usage: usage(50, 20) }));
    fake.enqueue(completeScript('openai', { text: ['new'], usage: usage(50, 20) }));
    expect((await post(gateway, key, body)).headers.get('x-meridian-cache')).toBe('miss');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = await post(gateway, key, body, { ...cacheOn, 'x-meridian-cache-ttl': '1' });
    expect(fresh.headers.get('x-meridian-cache')).toBe('miss');
    expect(((await fresh.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(
      'new',
    );
    expect((await post(gateway, key, body)).headers.get('x-meridian-cache')).toBe('hit');
    expect(fake.received).toHaveLength(2);
  });

  it('counts a hit against requests per minute like any call', async () => {
    const key = await createKey(gateway, 'acme', { requests_per_minute: 2 });
    const body = { messages: [{ role: 'user', content: 'rate limited' }] };
    fake.enqueue(completeScript('openai', { text: ['once'], usage: usage(50, 20) }));
    expect((await post(gateway, key, body)).status).toBe(200);
    expect((await post(gateway, key, body)).headers.get('x-meridian-cache')).toBe('hit');
    const third = await post(gateway, key, body);
    expect(third.status).toBe(429);
    expect(fake.received).toHaveLength(1);
  });

  it('says off when the gateway has no cache, and every call goes upstream', async () => {
    const key = await createKey(plain, 'acme');
    const body = { messages: [{ role: 'user', content: 'no cache here' }] };
    fake.enqueue(completeScript('openai', { text: ['one'], usage: usage(50, 20) }));
    fake.enqueue(completeScript('openai', { text: ['two'], usage: usage(50, 20) }));
    const first = await post(plain, key, body);
    const second = await post(plain, key, body);
    expect([first.headers.get('x-meridian-cache'), second.headers.get('x-meridian-cache')]).toEqual(['off', 'off']);
    expect(fake.received).toHaveLength(2);
    expect(await totalUsage(plain, key)).toBe((2 * firstCharge) / 1e9);
  });
});
