import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { LanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import type { ModelScript, UpstreamProtocol } from '../fake-upstream/protocol-scripts.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * The Vercel AI SDK as real apps use it: a two-step tool loop (call → execute →
 * answer), streaming and not, through `@ai-sdk/openai-compatible`, `@ai-sdk/anthropic`
 * and `@ai-sdk/openai`'s Responses model (`POST /v1/responses`), each pointed at an
 * upstream of another protocol.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('vercel-ai-sdk');
});

afterAll(() => stack.stop());

const toolTurn: ModelScript = {
  text: ['Checking.'],
  toolCalls: [{ id: 'call_w1', name: 'weather', argumentPieces: ['{"city":', '"Oslo"}'] }],
  usage: { input: 300, cached: 0, output: 20, reasoning: 0 },
};
const answerTurn: ModelScript = { text: ['Oslo: ', '3°C.'], usage: { input: 340, cached: 0, output: 8, reasoning: 0 } };

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  }),
  execute: ({ city }) => Promise.resolve(`${city}: 3°C`),
});

const clients: readonly {
  readonly name: string;
  readonly upstream: UpstreamProtocol;
  readonly model: () => LanguageModel;
}[] = [
  {
    name: '@ai-sdk/openai-compatible → Anthropic-protocol upstream',
    upstream: 'anthropic',
    model: () =>
      createOpenAICompatible({
        name: 'meridian',
        baseURL: `${stack.gateway.url}/v1`,
        apiKey: stack.key,
        includeUsage: true,
      }).chatModel('test/fake-claude'),
  },
  {
    name: '@ai-sdk/openai Responses → Gemini-protocol upstream',
    upstream: 'gemini',
    model: () => createOpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: stack.key }).responses('test/fake-gemini'),
  },
  {
    name: '@ai-sdk/anthropic → OpenAI-protocol upstream',
    upstream: 'openai',
    model: () => createAnthropic({ baseURL: `${stack.gateway.url}/v1`, apiKey: stack.key })('test/fake-model'),
  },
];

describe.each(clients)('$name', ({ upstream, model }) => {
  it('generateText runs a tool loop: tool call, tool result sent back, final answer, summed usage', async () => {
    stack.fake.enqueue(completeScript(upstream, toolTurn));
    stack.fake.enqueue(completeScript(upstream, answerTurn));
    const result = await generateText({
      model: model(),
      prompt: 'Weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(result.text).toBe('Oslo: 3°C.');
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input])).toEqual([
      ['call_w1', 'weather', { city: 'Oslo' }],
    ]);
    expect(result.totalUsage.inputTokens).toBe(640);
    expect(result.totalUsage.outputTokens).toBe(28);
    expectToolResultSentBack(upstream);
  });

  it('streamText streams the same loop with tool-call deltas and the final text', async () => {
    stack.fake.enqueue(streamScript(upstream, toolTurn));
    stack.fake.enqueue(streamScript(upstream, answerTurn));
    const result = streamText({
      model: model(),
      prompt: 'Weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(await result.text).toBe('Oslo: 3°C.');
    expect(parts).toContain('tool-input-delta');
    expect(parts).toContain('tool-result');
    expect(parts.filter((type) => type === 'finish-step')).toHaveLength(2);
    expect((await result.totalUsage).inputTokens).toBe(640);
    expect((await result.totalUsage).outputTokens).toBe(28);
    expectToolResultSentBack(upstream);
  });
});

/** The second upstream request carries the tool result for `call_w1`, in the upstream's own dialect. */
function expectToolResultSentBack(upstream: UpstreamProtocol): void {
  const messages = (stack.fake.received.at(-1)!.body['messages'] ?? []) as Record<string, unknown>[];
  if (upstream === 'gemini') {
    const contents = stack.fake.received.at(-1)!.body['contents'] as {
      role: string;
      parts: Record<string, unknown>[];
    }[];
    expect(contents.at(-1)).toMatchObject({
      role: 'user',
      parts: [{ functionResponse: { name: 'weather', response: expect.anything() as unknown } }],
    });
    expect(JSON.stringify(contents.at(-1))).toContain('Oslo: 3°C');
  } else if (upstream === 'openai') {
    expect(messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_w1', content: 'Oslo: 3°C' });
  } else {
    const last = messages.at(-1) as { role: string; content: Record<string, unknown>[] };
    expect(last.role).toBe('user');
    expect(last.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'call_w1' });
    expect(JSON.stringify(last.content[0]!['content'])).toContain('Oslo: 3°C');
  }
}
