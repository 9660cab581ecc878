import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import type { BilledUsage, ChatRequest, StreamEvent } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import { createResponseItemMemory } from '../item-memory.js';
import { createStreamRenderer } from './render-stream.js';

const meta: ResponseMeta = {
  generationId: 'gen-1',
  requestId: 'req_test',
  model: 'a/b',
  orgId: 'acme',
  createdSeconds: 1795000000,
  providerName: 'p',
  upstreamProtocol: 'anthropic-messages',
  isReasoningShown: true,
  estimatePromptTokens: () => 0,
};
const billed: BilledUsage = {
  usage: createUnknownUsage(),
  promptTokens: 10,
  completionTokens: 4,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costNanos: 4_480n,
  upstreamCostNanos: 4_480n,
  isEstimated: false,
};
const request: ChatRequest = {
  model: 'a/b',
  messages: [],
  stream: true,
  includeUsage: false,
  routingControls: {},
  passthrough: { protocol: 'openai-chat', fields: {} },
};

/** Renders the events, then the end, and reads the frames back as `[event name, data]`. */
function render(events: readonly StreamEvent[], memory = createMemory()): [string, Record<string, unknown>][] {
  const renderer = createStreamRenderer(request, meta, memory);
  const text = events.map((event) => renderer.renderEvent(event)).join('') + renderer.renderEnd(billed);
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return [
        eventLine!.slice('event: '.length),
        JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>,
      ];
    });
}

function createMemory() {
  return createResponseItemMemory({ countMax: 10, bytesMax: 100_000, ttlMs: 60_000, now: () => 0 });
}

describe('createStreamRenderer (OpenAI Responses)', () => {
  it('a refusal after text is a second content part of the message; the event name repeats the type', () => {
    const frames = render([
      { type: 'response-start', upstreamId: undefined },
      { type: 'text-delta', choice: 0, delta: 'I ' },
      { type: 'refusal-delta', choice: 0, delta: 'cannot.' },
      { type: 'finish', choice: 0, finishReason: { unified: 'content-filter', raw: 'refusal' } },
    ]);
    for (const [name, data] of frames) expect(data['type']).toBe(name);
    expect(frames.map(([name]) => name)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(frames[8]![1]).toEqual({
      type: 'response.refusal.delta',
      item_id: 'msg_gen-1_0',
      output_index: 0,
      content_index: 1,
      delta: 'cannot.',
      sequence_number: 8,
    });
    const response = frames.at(-1)![1]['response'] as Record<string, unknown>;
    expect([response['status'], response['incomplete_details']]).toEqual(['incomplete', { reason: 'content_filter' }]);
    expect(response['output']).toEqual([
      {
        type: 'message',
        id: 'msg_gen-1_0',
        status: 'incomplete',
        role: 'assistant',
        content: [
          { type: 'output_text', text: 'I ', annotations: [], logprobs: [] },
          { type: 'refusal', refusal: 'cannot.' },
        ],
      },
    ]);
  });

  it('a redacted_thinking block is a reasoning item added and done at once, carrying it whole; remembered by id', () => {
    const memory = createMemory();
    const redacted = { type: 'redacted_thinking', data: 'EmwK' };
    const frames = render(
      [
        { type: 'opaque-part', choice: 0, protocol: 'anthropic-messages', value: redacted },
        { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'toolu_1', toolName: 'f' },
        { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{}' },
        { type: 'finish', choice: 0, finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
      ],
      memory,
    );
    const block = { type: 'opaque', protocol: 'anthropic-messages', value: redacted };
    const item = {
      type: 'reasoning',
      id: 'rs_gen-1_0',
      summary: [],
      content: [],
      encrypted_content: 'anthropic-messages+block:eyJ0eXBlIjoicmVkYWN0ZWRfdGhpbmtpbmciLCJkYXRhIjoiRW13SyJ9',
      status: 'completed',
    };
    expect(frames.slice(2, 4)).toEqual([
      ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item, sequence_number: 2 }],
      ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item, sequence_number: 3 }],
    ]);
    const output = (frames.at(-1)![1]['response'] as { output: Record<string, unknown>[] }).output;
    expect(output.map((entry) => entry['id'])).toEqual(['rs_gen-1_0', 'fc_gen-1_1']);
    expect(memory.recall('acme\nrs_gen-1_0')).toEqual([block]);
  });

  it('text between the argument pieces of a tool call (an OpenAI-compatible server streaming both) loses no argument', () => {
    const frames = render([
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_1', toolName: 'f' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"a":' },
      { type: 'text-delta', choice: 0, delta: '\n' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '1}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
    const output = (frames.at(-1)![1]['response'] as { output: Record<string, unknown>[] }).output;
    expect(output.map((item) => [item['id'], item['arguments'] ?? item['content']])).toEqual([
      ['fc_gen-1_0', '{"a":1}'],
      ['msg_gen-1_1', [{ type: 'output_text', text: '\n', annotations: [], logprobs: [] }]],
    ]);
  });

  it('two thinking blocks stay two reasoning items, each with its signature; the items are remembered by id', () => {
    const memory = createMemory();
    const frames = render(
      [
        { type: 'reasoning-delta', choice: 0, delta: 'One.', block: 0 },
        { type: 'reasoning-signature', choice: 0, signature: 'S1', block: 0 },
        { type: 'reasoning-delta', choice: 0, delta: 'Two.', block: 1 },
        { type: 'reasoning-signature', choice: 0, signature: 'S2', block: 1 },
        { type: 'text-delta', choice: 0, delta: 'Done.', block: 2 },
        { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'end_turn' } },
      ],
      memory,
    );
    const output = (frames.at(-1)![1]['response'] as { output: Record<string, unknown>[] }).output;
    expect(output.map((item) => [item['id'], item['encrypted_content']])).toEqual([
      ['rs_gen-1_0', 'anthropic-messages+text:T25lLg==:S1'],
      ['rs_gen-1_1', 'anthropic-messages+text:VHdvLg==:S2'],
      ['msg_gen-1_2', undefined],
    ]);
    expect(memory.recall('acme\nrs_gen-1_1')).toEqual([
      { type: 'reasoning', text: 'Two.', signature: 'S2', signatureProtocol: 'anthropic-messages' },
    ]);
    expect(memory.recall('acme\nmsg_gen-1_2')).toEqual([{ type: 'text', text: 'Done.' }]);
  });

  it.each([
    ['upstream_rate_limited', 'rate_limit_exceeded'],
    ['rate_limited', 'rate_limit_exceeded'],
    ['upstream_error', 'server_error'],
  ] as const)('a %s after output: error with that code, then response.failed with the spec’s %s', (code, specCode) => {
    const renderer = createStreamRenderer(request, meta, createMemory());
    const text =
      renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'Hi' }) +
      renderer.renderError(new GatewayError({ code, message: 'slow down' }), billed);
    const frames = text
      .split('\n\n')
      .filter((frame) => frame !== '')
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as Record<string, unknown>);
    expect(frames.slice(-2).map((frame) => frame['type'])).toEqual(['error', 'response.failed']);
    expect(frames.at(-2)).toMatchObject({ code, param: null });
    expect((frames.at(-1)!['response'] as Record<string, unknown>)['error']).toEqual({
      code: specCode,
      message: 'slow down',
    });
  });

  /** The `response.output_item.done` items and the failed response's item statuses of a stream cut by `events`. */
  function renderFailed(events: readonly StreamEvent[]) {
    const renderer = createStreamRenderer(request, meta, createMemory());
    const text =
      events.map((event) => renderer.renderEvent(event)).join('') +
      renderer.renderError(new GatewayError({ code: 'upstream_error', message: 'reset' }), billed);
    const frames = text
      .split('\n\n')
      .filter((frame) => frame !== '')
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as Record<string, unknown>);
    const done = frames
      .filter((frame) => frame['type'] === 'response.output_item.done')
      .map((frame) => frame['item'] as Record<string, unknown>)
      .map((item) => [item['type'], item['status']]);
    const failed = frames.at(-1)!['response'] as { status: string; output: { status: string }[] };
    return { done, statuses: [failed.status, ...failed.output.map((item) => item.status)] };
  }

  it('a failure after output leaves the message it cut incomplete, not completed', () => {
    expect(renderFailed([{ type: 'text-delta', choice: 0, delta: 'Let me' }])).toEqual({
      done: [['message', 'incomplete']],
      statuses: ['failed', 'incomplete'],
    });
  });

  it('a failure leaves a tool call whose arguments it cut incomplete; a message ended before the call stays completed', () => {
    const events: StreamEvent[] = [
      { type: 'text-delta', choice: 0, delta: 'Let me look' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_1', toolName: 'f' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"path":' },
    ];
    expect(renderFailed(events)).toEqual({
      done: [
        ['message', 'completed'],
        ['function_call', 'incomplete'],
      ],
      statuses: ['failed', 'completed', 'incomplete'],
    });
  });
});
