import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * A coding agent (Anthropic client) driving a DeepSeek-style thinking model over
 * the OpenAI protocol for five turns: each turn thinks, calls a tool, gets the
 * result back. DeepSeek and Kimi reject a tool-call turn whose `reasoning_content`
 * is missing, so every earlier turn's reasoning must go back upstream intact.
 */

let stack: TestStack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startTestStack('agent-loop');
  client = new Anthropic({ baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 });
});

afterAll(() => stack.stop());

const tools: Anthropic.Tool[] = [
  {
    name: 'read_file',
    description: 'Read a file',
    input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];

describe('five-turn agent loop, Anthropic client → reasoning upstream over the OpenAI protocol', () => {
  it('keeps every turn’s reasoning and tool calls in the history sent upstream', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Find the bug.' }];
    const expectedUpstream: unknown[] = [{ role: 'user', content: 'Find the bug.' }];
    for (let turn = 1; turn <= 5; turn += 1) {
      const isLast = turn === 5;
      stack.fake.enqueue(
        streamScript('openai', {
          reasoning: [`Turn ${turn}: `, 'reason.'],
          ...(isLast
            ? { text: ['Fixed.'] }
            : {
                toolCalls: [{ id: `call_${turn}`, name: 'read_file', argumentPieces: ['{"path":', `"f${turn}.ts"}`] }],
              }),
          usage: { input: 1_000 * turn, cached: 900 * (turn - 1), output: 40, reasoning: 12 },
        }),
      );
      const message = await client.messages
        .stream({
          model: 'test/fake-model',
          max_tokens: 2_048,
          tools,
          messages,
          thinking: { type: 'enabled', budget_tokens: 1_024 },
        })
        .finalMessage();

      expect(stack.fake.received.at(-1)!.body['messages']).toEqual(expectedUpstream);
      expect(message.content[0]).toEqual({ type: 'thinking', thinking: `Turn ${turn}: reason.`, signature: '' });
      expect(message.usage).toMatchObject({
        input_tokens: 1_000 * turn - 900 * (turn - 1),
        cache_read_input_tokens: 900 * (turn - 1),
        output_tokens: 40,
      });
      if (isLast) {
        expect(message.stop_reason).toBe('end_turn');
        expect(message.content[1]).toEqual({ type: 'text', text: 'Fixed.', citations: null });
        break;
      }
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content[1]).toEqual({
        type: 'tool_use',
        id: `call_${turn}`,
        name: 'read_file',
        input: { path: `f${turn}.ts` },
        caller: { type: 'direct' },
      });
      messages.push(
        { role: 'assistant', content: message.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: `call_${turn}`, content: `contents of f${turn}.ts` }],
        },
      );
      expectedUpstream.push(
        {
          role: 'assistant',
          content: null,
          reasoning_content: `Turn ${turn}: reason.`,
          tool_calls: [
            {
              id: `call_${turn}`,
              type: 'function',
              function: { name: 'read_file', arguments: `{"path":"f${turn}.ts"}` },
            },
          ],
        },
        { role: 'tool', tool_call_id: `call_${turn}`, content: `contents of f${turn}.ts` },
      );
    }
    expect(stack.fake.received.slice(-5).map((request) => (request.body['messages'] as unknown[]).length)).toEqual([
      1, 3, 5, 7, 9,
    ]);
  });
});

describe('signed reasoning survives an agent loop (Anthropic client)', () => {
  it.each([
    ['anthropic', 'test/fake-claude'],
    ['gemini', 'test/fake-gemini'],
  ] as const)('%s upstream gets every earlier turn’s signature back where it belongs', async (protocol, model) => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Go.' }];
    for (let turn = 1; turn <= 3; turn += 1) {
      stack.fake.enqueue(
        streamScript(protocol, {
          reasoning: [`thought ${turn}`],
          signature: `sig-${turn}`,
          toolCalls: [{ id: `call_${turn}`, name: 'read_file', argumentPieces: [`{"path":"f${turn}"}`] }],
          usage: { input: 100, cached: 0, output: 10, reasoning: 5 },
        }),
      );
      const message = await client.messages
        .stream({ model, max_tokens: 4_096, tools, messages, thinking: { type: 'enabled', budget_tokens: 1_024 } })
        .finalMessage();
      // Another protocol's signature reaches the Anthropic client tagged with its origin (see signature-tag.ts).
      const clientSignature = protocol === 'anthropic' ? `sig-${turn}` : `gemini:sig-${turn}`;
      expect(message.content.find((block) => block.type === 'thinking')).toMatchObject({ signature: clientSignature });
      const body = stack.fake.received.at(-1)!.body;
      for (let earlier = 1; earlier < turn; earlier += 1) {
        expect(readSentSignature(protocol, body, earlier)).toBe(`sig-${earlier}`);
      }
      messages.push(
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: `call_${turn}`, content: 'ok' }] },
      );
    }
  });
});

/** The signature the upstream received on the assistant turn that called `call_<turn>`. */
function readSentSignature(protocol: 'anthropic' | 'gemini', body: Record<string, unknown>, turn: number): unknown {
  if (protocol === 'anthropic') {
    const assistant = (body['messages'] as { role: string; content: Record<string, unknown>[] }[]).filter(
      (message) => message.role === 'assistant',
    )[turn - 1]!;
    expect(assistant.content[1]).toMatchObject({ type: 'tool_use', id: `call_${turn}` });
    return assistant.content.find((block) => block['type'] === 'thinking')?.['signature'];
  }
  const modelTurn = (body['contents'] as { role: string; parts: Record<string, unknown>[] }[]).filter(
    (content) => content.role === 'model',
  )[turn - 1]!;
  const call = modelTurn.parts.find((part) => part['functionCall'] !== undefined)!;
  expect(call['functionCall']).toMatchObject({ name: 'read_file', args: { path: `f${turn}` } });
  return call['thoughtSignature'];
}
