import Anthropic from '@anthropic-ai/sdk';
import AnthropicV0 from 'anthropic-sdk-0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readGeneration } from '../support/gateway-config.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

let stack: TestStack;
let fake: FakeUpstream;
let client: Anthropic;
let clientV0: AnthropicV0;

beforeAll(async () => {
  stack = await startTestStack('anthropic-inbound');
  fake = stack.fake;
  client = new Anthropic({ baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 });
  clientV0 = new AnthropicV0({ baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 });
});

afterAll(() => stack.stop());

const base = {
  id: 'chatcmpl-up',
  object: 'chat.completion.chunk',
  created: 1_795_000_000,
  model: 'fake-upstream-model',
};
const usage = {
  prompt_tokens: 120,
  completion_tokens: 9,
  total_tokens: 129,
  prompt_tokens_details: { cached_tokens: 100 },
};
/** 20 uncached × 0.28 + 100 cached × 0.028 + 9 × 0.42, per 1M tokens, in USD. */
const expectedCost = (20 * 0.28 + 100 * 0.028 + 9 * 0.42) / 1_000_000;

function chunk(delta: Record<string, unknown>, finish: string | null = null): unknown {
  return { ...base, choices: [{ index: 0, delta, finish_reason: finish }] };
}

function completion(message: Record<string, unknown>, finish: string): unknown {
  return { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage };
}

describe('POST /v1/messages from Anthropic SDKs, served by an OpenAI-protocol upstream', () => {
  it('SDK 1.x (Bearer auth): a text message with Anthropic usage, request-id and a recorded generation', async () => {
    fake.enqueue({ kind: 'json', body: completion({ role: 'assistant', content: 'Bonjour.' }, 'stop') });
    const { data: message, response } = await client.messages
      .create({
        model: 'test/fake-model',
        max_tokens: 64,
        system: 'Answer in French.',
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .withResponse();
    expect(message.content).toEqual([{ type: 'text', text: 'Bonjour.', citations: null }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.model).toBe('test/fake-model');
    expect(message.usage).toMatchObject({
      input_tokens: 20,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
      output_tokens: 9,
    });
    expect((message.usage as unknown as { cost: number }).cost).toBeCloseTo(expectedCost, 15);
    expect(response.headers.get('request-id')).toMatch(/.+/);
    const sent = fake.received.at(-1)!;
    expect(sent.headers['authorization']).toBe('Bearer test-upstream-secret');
    expect(sent.body['messages']).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(sent.body['max_tokens']).toBe(64);
    const generation = await readGeneration(stack.gateway.url, stack.key, message.id);
    expect(generation['tokens_prompt']).toBe(120);
    expect(generation['tokens_completion']).toBe(9);
  });

  it("sends an agent's long system prompt, turn and tool result upstream as the client wrote them", async () => {
    const turn = (index: number): string => `part ${index}: 你好, wörld/"quoted"\\ `.repeat(300);
    // Escaped as no serialiser of ours writes them: the upstream body shows whose bytes it carries.
    const spell = (text: string): string =>
      JSON.stringify(text).replace(/[^\x20-\x7e]|\//g, (character) =>
        character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    const body =
      `{"model":"test/fake-model","max_tokens":64,"system":[{"type":"text","text":${spell(turn(0))}}],` +
      `"tools":[{"name":"read","input_schema":{"type":"object"}}],"messages":[` +
      `{"role":"user","content":[{"type":"text","text":${spell(turn(1))}}]},` +
      `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"a"}}]},` +
      `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":${spell(turn(2))}}]}]}`;
    fake.enqueue({ kind: 'json', body: completion({ role: 'assistant', content: 'Done.' }, 'stop') });
    const response = await fetch(`${stack.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': stack.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const message = (await response.json()) as { id: string };
    const received = fake.received.at(-1)!;
    for (const index of [0, 1, 2]) expect(received.text).toContain(spell(turn(index)));
    expect(received.body['messages']).toEqual([
      { role: 'system', content: turn(0) },
      { role: 'user', content: turn(1) },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: turn(2) },
    ]);
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(received.text)));
    // Billed on the upstream's usage as any call: 20 uncached, 100 cached and 9 completion tokens.
    expect(await readGeneration(stack.gateway.url, stack.key, message.id)).toMatchObject({
      ending: 'success',
      tokens_prompt: 120,
      tokens_completion: 9,
      cost_nanos: String(20 * 280 + 100 * 28 + 9 * 420),
      usage_estimated: false,
    });
  });

  it('SDK 0.x (x-api-key auth): a stream with every frame named, exact final usage from message_delta', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'length'),
        { ...base, choices: [], usage },
      ]),
    });
    const events: string[] = [];
    const stream = clientV0.messages.stream({
      model: 'test/fake-model',
      max_tokens: 9,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();
    expect(fake.received.at(-1)!.headers['authorization']).toBe('Bearer test-upstream-secret');
    expect(events).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello', citations: null }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 9 });
  });

  it('streams parallel tool calls as tool_use blocks and sends tool results back as tool messages', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ role: 'assistant', content: null }),
        chunk({
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({
          tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, 'tool_calls'),
        { ...base, choices: [], usage },
      ]),
    });
    const tools = [
      { name: 'weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
      { name: 'time', input_schema: { type: 'object' as const, properties: {} } },
    ];
    const first = await client.messages
      .stream({ model: 'test/fake-model', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Paris?' }] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Paris' }, caller: { type: 'direct' } },
      { type: 'tool_use', id: 'call_b', name: 'time', input: {}, caller: { type: 'direct' } },
    ]);
    expect(fake.received.at(-1)!.body['tools']).toEqual([
      { type: 'function', function: { name: 'weather', parameters: tools[0]!.input_schema } },
      { type: 'function', function: { name: 'time', parameters: tools[1]!.input_schema } },
    ]);

    fake.enqueue({ kind: 'json', body: completion({ role: 'assistant', content: 'Sunny, noon.' }, 'stop') });
    const second = await client.messages.create({
      model: 'test/fake-model',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'call_b', content: [{ type: 'text', text: '12:00' }] },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny, noon.', citations: null }]);
    expect(fake.received.at(-1)!.body['messages']).toEqual([
      { role: 'user', content: 'Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
    ]);
  });

  it('turns reasoning_content into thinking blocks and sends it back as reasoning_content on the next turn', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ role: 'assistant', reasoning_content: 'Think ' }),
        chunk({ reasoning_content: 'hard.' }),
        chunk({ content: 'Done.' }),
        chunk({}, 'stop'),
        { ...base, choices: [], usage },
      ]),
    });
    const first = await client.messages
      .stream({
        model: 'test/fake-model',
        max_tokens: 100,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'Q1' }],
      })
      .finalMessage();
    expect(first.content).toEqual([
      { type: 'thinking', thinking: 'Think hard.', signature: '' },
      { type: 'text', text: 'Done.', citations: null },
    ]);
    fake.enqueue({ kind: 'json', body: completion({ role: 'assistant', content: 'A2' }, 'stop') });
    await client.messages.create({
      model: 'test/fake-model',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'Q2' },
      ],
    });
    expect((fake.received.at(-1)!.body['messages'] as unknown[])[1]).toEqual({
      role: 'assistant',
      content: 'Done.',
      reasoning_content: 'Think hard.',
    });
  });

  it("answers errors in Anthropic's shape: bad body, bad key, upstream 429 with Retry-After", async () => {
    const bad = await client.messages
      .create({ model: 'test/fake-model', max_tokens: 10, messages: [] })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'invalid_request',
        message: 'messages: must be a non-empty array.',
      },
    });
    const unauthenticated = new Anthropic({ baseURL: stack.gateway.url, apiKey: 'sk-mer-v1-nope', maxRetries: 0 });
    await expect(
      unauthenticated.messages.create({
        model: 'test/fake-model',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    fake.enqueue({
      kind: 'error',
      status: 429,
      body: '{"error":{"message":"slow down","type":"rate_limit"}}',
      headers: { 'retry-after': '9' },
    });
    const response = await fetch(`${stack.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': stack.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('9');
    expect(response.headers.get('request-id')).toMatch(/.+/);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', code: 'upstream_rate_limited' },
    });
  });

  it('counts tokens and lists models in Anthropic shape', async () => {
    const counted = await client.messages.countTokens({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    // o200k: 3 (reply) + 3 + "user" (1) + "Hello there" (2).
    expect(counted).toEqual({ input_tokens: 9 });
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain('test/fake-model');
    const listed = page.data.find((model) => model.id === 'test/fake-model');
    expect(listed).toMatchObject({ type: 'model', display_name: 'Fake Model' });
    // The SDK's retrieve (the id's slash encoded): the same model, in the same shape; an unknown one is its NotFoundError.
    expect(await client.models.retrieve('test/fake-model')).toEqual(listed);
    await expect(client.models.retrieve('nobody/nothing')).rejects.toMatchObject({
      status: 404,
      error: { type: 'error', error: { type: 'not_found_error' } },
    });
  });
});
