import OpenAI from 'openai';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSandboxTokens } from './generate-reply.js';
import { startSandboxServer } from './start-sandbox-server.js';
import type { SandboxServer } from './start-sandbox-server.js';

let sandbox: SandboxServer;
let client: OpenAI;

beforeAll(async () => {
  sandbox = await startSandboxServer({ latencyScale: 0 });
  client = new OpenAI({ baseURL: sandbox.baseUrl, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => sandbox.close());

const question = [{ role: 'user' as const, content: 'How do gateways route requests?' }];

describe('sandbox provider', () => {
  it('is deterministic and counts tokens exactly', async () => {
    const first = await client.chat.completions.create({ model: 'sandbox-chat', messages: question });
    const second = await client.chat.completions.create({ model: 'sandbox-chat', messages: question });
    expect(second.choices).toEqual(first.choices);
    const text = first.choices[0]!.message.content!;
    expect(first.usage).toMatchObject({
      prompt_tokens: countTokens('How do gateways route requests?') + 3 + 3,
      completion_tokens: countSandboxTokens(text),
      total_tokens: first.usage!.prompt_tokens + first.usage!.completion_tokens,
    });
  });

  it('streams the same text, and sends usage only when asked', async () => {
    const reference = await client.chat.completions.create({ model: 'sandbox-chat', messages: question });
    for (const includeUsage of [false, true]) {
      const stream = await client.chat.completions.create({
        model: 'sandbox-chat',
        messages: question,
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe(reference.choices[0]!.message.content);
      expect(usage).toEqual(includeUsage ? reference.usage : undefined);
    }
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'sandbox-chat',
      messages: question,
      max_tokens: 5,
    });
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(5);
    expect(completion.usage!.completion_tokens).toBe(countSandboxTokens(completion.choices[0]!.message.content!));
  });

  it('calls offered tools with schema-shaped arguments, streamed the OpenAI way', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, days: { type: 'integer' } },
            required: ['city', 'days'],
          },
        },
      },
      {
        type: 'function' as const,
        function: {
          name: 'get_time',
          parameters: {
            type: 'object',
            properties: { tz: { type: 'string', enum: ['UTC', 'CET'] } },
            required: ['tz'],
          },
        },
      },
    ];
    const completion = await client.chat.completions.create({ model: 'sandbox-chat', messages: question, tools });
    const calls = completion.choices[0]!.message.tool_calls!;
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((call) => call.type === 'function' && call.function.name)).toEqual(['get_weather', 'get_time']);
    const weather = JSON.parse(calls[0]!.type === 'function' ? calls[0]!.function.arguments : '{}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(weather)).toEqual(['city', 'days']);
    expect(typeof weather['city']).toBe('string');
    expect(Number.isInteger(weather['days'])).toBe(true);
    expect(JSON.parse(calls[1]!.type === 'function' ? calls[1]!.function.arguments : '{}')).toEqual({ tz: 'UTC' });

    const stream = await client.chat.completions.create({
      model: 'sandbox-chat',
      messages: question,
      tools,
      stream: true,
    });
    const argumentsByIndex: string[] = [];
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? [])
        argumentsByIndex[delta.index] = (argumentsByIndex[delta.index] ?? '') + (delta.function?.arguments ?? '');
    }
    expect(argumentsByIndex).toEqual(calls.map((call) => (call.type === 'function' ? call.function.arguments : '')));
  });

  it('answers a tool result in text, and emits reasoning on the reasoner', async () => {
    const followUp = await client.chat.completions.create({
      model: 'sandbox-chat',
      messages: [
        ...question,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    expect(followUp.choices[0]!.finish_reason).toBe('stop');
    const reasoned = await client.chat.completions.create({ model: 'sandbox-reasoner', messages: question });
    const reasoning = (reasoned.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content;
    expect(reasoned.usage!.completion_tokens_details!.reasoning_tokens).toBe(countSandboxTokens(reasoning));
  });

  it('reports cached tokens for a conversation prefix it has seen', async () => {
    const turn = [
      { role: 'system' as const, content: 'You are a careful agent. '.repeat(40) },
      { role: 'user' as const, content: 'Step one.' },
    ];
    await client.chat.completions.create({ model: 'sandbox-chat', messages: turn });
    const next = await client.chat.completions.create({
      model: 'sandbox-chat',
      messages: [...turn, { role: 'assistant', content: 'Done.' }, { role: 'user', content: 'Step two.' }],
    });
    const cached = next.usage!.prompt_tokens_details!.cached_tokens!;
    expect(cached % 64).toBe(0);
    expect(cached).toBeGreaterThan(0);
  });

  it('answers OpenAI-shaped errors', async () => {
    await expect(client.chat.completions.create({ model: 'nope', messages: question })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    const response = await fetch(`${sandbox.baseUrl}/chat/completions`, { method: 'POST', body: '{oops' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });
});

describe('sandbox embeddings', () => {
  const norm = (vector: readonly number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

  it('gives deterministic unit vectors, equal for equal texts, and bills tokens exactly', async () => {
    const texts = ['How do gateways route requests?', 'hi', 'How do gateways route requests?'];
    const answer = await client.embeddings.create({ model: 'sandbox-embed', input: texts, encoding_format: 'float' });
    expect(answer.data.map((item) => [item.index, item.embedding.length])).toEqual([
      [0, 256],
      [1, 256],
      [2, 256],
    ]);
    for (const item of answer.data) expect(norm(item.embedding)).toBeCloseTo(1, 12);
    expect(answer.data[2]!.embedding).toEqual(answer.data[0]!.embedding);
    expect(answer.data[1]!.embedding).not.toEqual(answer.data[0]!.embedding);
    expect(answer.usage).toEqual({
      prompt_tokens: countTokens('How do gateways route requests?') * 2 + countTokens('hi'),
      total_tokens: countTokens('How do gateways route requests?') * 2 + countTokens('hi'),
    });
    const again = await client.embeddings.create({ model: 'sandbox-embed', input: 'hi', encoding_format: 'float' });
    expect(again.data[0]!.embedding).toEqual(answer.data[1]!.embedding);
  });

  it('honours dimensions and counts token-array inputs one token per id', async () => {
    const answer = await client.embeddings.create({
      model: 'sandbox-embed',
      input: [[1, 2, 3], [4]],
      dimensions: 3,
      encoding_format: 'float',
    });
    expect(answer.data.map((item) => item.embedding.length)).toEqual([3, 3]);
    expect(answer.usage.prompt_tokens).toBe(4);
  });

  it('refuses bad bodies and models of the other kind with OpenAI-shaped errors', async () => {
    const embed = (body: Record<string, unknown>) =>
      client.embeddings.create({ model: 'sandbox-embed', input: 'x', encoding_format: 'float', ...body });
    await expect(embed({ dimensions: 1_537 })).rejects.toMatchObject({ status: 400, param: 'dimensions' });
    await expect(embed({ input: [] })).rejects.toMatchObject({ status: 400, param: 'input' });
    await expect(embed({ input: ['a', 7] })).rejects.toMatchObject({ status: 400, param: 'input[1]' });
    await expect(embed({ model: 'sandbox-chat' })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(client.chat.completions.create({ model: 'sandbox-embed', messages: question })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });
});
