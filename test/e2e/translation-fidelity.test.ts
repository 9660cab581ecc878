import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/** What an upstream's answer means reaches the client in its own protocol: finish reasons and refusals. */
let stack: TestStack;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startTestStack('translation-fidelity');
  anthropic = new Anthropic({ baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 });
});

afterAll(() => stack.stop());

beforeEach(() => stack.fake.reset());

const hi = [{ role: 'user' as const, content: 'hi' }];
const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function completion(message: Record<string, unknown>, finishReason: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-up',
    object: 'chat.completion',
    created: 1,
    model: 'fake-upstream-model',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }],
    usage,
  };
}

describe('finish reasons', () => {
  it("DeepSeek's insufficient_system_resource (an answer cut short) is not a normal stop for an OpenAI client", async () => {
    const cut = completion({ content: 'The answer is' }, 'insufficient_system_resource');
    stack.fake.enqueue({ kind: 'json', body: cut });
    const json = await stack.client.chat.completions.create({ model: 'test/fake-model', messages: hi });
    expect(json.choices[0]?.finish_reason).toBe('error');
    stack.fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'The answer is' } }] },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: {}, finish_reason: 'insufficient_system_resource' }],
          usage,
        },
      ]),
    });
    const stream = await stack.client.chat.completions.create({ model: 'test/fake-model', messages: hi, stream: true });
    const finishes: (string | null)[] = [];
    for await (const part of stream) for (const choice of part.choices) finishes.push(choice.finish_reason);
    expect(finishes.filter((finish) => finish !== null)).toEqual(['error']);
  });
});

describe('refusals', () => {
  it("an OpenAI-compatible upstream's refusal is stop_reason refusal for an Anthropic client, in JSON and streamed", async () => {
    const refusal = "I'm sorry, I can't help with that.";
    stack.fake.enqueue({ kind: 'json', body: completion({ content: null, refusal }, 'stop') });
    const json = await anthropic.messages.create({ model: 'test/fake-model', max_tokens: 100, messages: hi });
    expect(json.stop_reason).toBe('refusal');
    expect(json.content).toEqual([{ type: 'text', text: refusal, citations: null }]);
    stack.fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { refusal } }] },
        { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage },
      ]),
    });
    const streamed = await anthropic.messages
      .stream({ model: 'test/fake-model', max_tokens: 100, messages: hi })
      .finalMessage();
    expect(streamed.stop_reason).toBe('refusal');
    expect(streamed.content).toMatchObject([{ type: 'text', text: refusal }]);
  });

  it('a plain answer stays end_turn', async () => {
    stack.fake.enqueue({ kind: 'json', body: completion({ content: 'hello' }, 'stop') });
    const json = await anthropic.messages.create({ model: 'test/fake-model', max_tokens: 100, messages: hi });
    expect(json.stop_reason).toBe('end_turn');
  });
});

describe('prompt-cache breakpoints from an OpenAI client', () => {
  const longSystem = 'You are a careful assistant. '.repeat(10);

  function claudeMessage(): Record<string, unknown> {
    return {
      id: 'msg_up',
      type: 'message',
      role: 'assistant',
      model: 'fake-claude-model',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    };
  }

  it("OpenRouter's cache_control on content parts reaches an Anthropic upstream where the client put it", async () => {
    stack.fake.enqueue({ kind: 'json', body: claudeMessage() });
    const messages = [
      { role: 'system', content: [{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second', cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
    ] as unknown as OpenAI.ChatCompletionMessageParam[];
    await stack.client.chat.completions.create({ model: 'test/fake-claude', messages });
    const sent = stack.fake.received.at(-1)!.body;
    expect(sent['system']).toEqual([{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }]);
    expect(sent['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second', cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
    ]);
  });

  it('a malformed cache_control is a 400 naming the field', async () => {
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/fake-claude',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'forever' } }] }],
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param?: string } };
    expect(body.error.param).toBe('messages[0].content[0].cache_control');
  });
});
