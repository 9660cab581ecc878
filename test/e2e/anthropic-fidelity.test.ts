import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readSseData } from '../support/read-sse.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * An Anthropic client's request and its answer keep what Anthropic wrote (stop sequences, betas, adaptive thinking,
 * tool-result images, server tools, extra tool fields, redacted thinking, block boundaries, citations, errors), and
 * the parts an OpenAI-compatible upstream needs translated arrive as Anthropic would mean them.
 */
let stack: TestStack;
let fake: FakeUpstream;
let client: Anthropic;

beforeAll(async () => {
  stack = await startTestStack('anthropic-fidelity');
  fake = stack.fake;
  client = new Anthropic({ baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 });
});

afterAll(() => stack.stop());

beforeEach(() => fake.reset());

const claude = 'test/fake-claude';
const hi = [{ role: 'user' as const, content: 'hi' }];

/** A non-streaming Anthropic message as the upstream answers it. */
function message(content: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'msg_up',
    type: 'message',
    role: 'assistant',
    model: 'fake-claude-model',
    content,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...extra,
  };
}

const endTurn = { stop_reason: 'end_turn', stop_sequence: null };

/** Anthropic SSE frames (`event:` line on each) for a message's blocks, then its end. */
function anthropicStream(
  blocks: readonly (readonly [unknown, readonly unknown[]])[],
  end: Record<string, unknown> = endTurn,
): string[] {
  const events: [string, Record<string, unknown>][] = [
    ['message_start', { type: 'message_start', message: message([], { stop_reason: null }) }],
  ];
  blocks.forEach(([block, deltas], index) => {
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: block }]);
    for (const delta of deltas) events.push(['content_block_delta', { type: 'content_block_delta', index, delta }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(
    ['message_delta', { type: 'message_delta', delta: end, usage: { output_tokens: 20 } }],
    ['message_stop', { type: 'message_stop' }],
  );
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': stack.key,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function sentBody(): Record<string, unknown> {
  return fake.received.at(-1)!.body;
}

describe('Anthropic client → Anthropic upstream', () => {
  it('returns the stop sequence that matched, in JSON and in message_delta', async () => {
    fake.enqueue({
      kind: 'json',
      body: message([{ type: 'text', text: 'abc' }], { stop_reason: 'stop_sequence', stop_sequence: 'STOP' }),
    });
    const json = await client.messages.create({
      model: claude,
      max_tokens: 100,
      stop_sequences: ['STOP'],
      messages: hi,
    });
    expect([json.stop_reason, json.stop_sequence]).toEqual(['stop_sequence', 'STOP']);
    fake.enqueue({
      kind: 'sse',
      frames: anthropicStream([[{ type: 'text', text: '' }, [{ type: 'text_delta', text: 'abc' }]]], {
        stop_reason: 'stop_sequence',
        stop_sequence: 'STOP',
      }),
    });
    const streamed = await client.messages
      .stream({ model: claude, max_tokens: 100, stop_sequences: ['STOP'], messages: hi })
      .finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual(['stop_sequence', 'STOP']);
  });

  it('forwards anthropic-beta to Anthropic upstreams only', async () => {
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'ok' }]) });
    await client.beta.messages.create({
      model: claude,
      max_tokens: 100,
      betas: ['context-1m-2025-08-07', 'files-api-2025-04-14'],
      messages: hi,
    });
    expect(fake.received.at(-1)!.headers['anthropic-beta']).toBe('context-1m-2025-08-07,files-api-2025-04-14');
    fake.enqueue({ kind: 'json', body: openaiCompletion({ role: 'assistant', content: 'ok' }) });
    await client.beta.messages.create({
      model: 'test/fake-model',
      max_tokens: 100,
      betas: ['context-1m-2025-08-07'],
      messages: hi,
    });
    expect(fake.received.at(-1)!.headers['anthropic-beta']).toBeUndefined();
  });

  it('sends thinking {type: adaptive} as the client sent it', async () => {
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'ok' }]) });
    const response = await post({ model: claude, max_tokens: 32_000, thinking: { type: 'adaptive' }, messages: hi });
    expect(response.status).toBe(200);
    expect(sentBody()['thinking']).toEqual({ type: 'adaptive' });
  });

  it('sends a tool result with an image as the client wrote it, without warnings', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
    const result = [
      { type: 'text', text: 'here' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
    ];
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'ok' }]) });
    const response = await post({
      model: claude,
      max_tokens: 100,
      tools: [{ name: 'screenshot', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'shot' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-meridian-warnings')).toBeNull();
    const sent = sentBody() as { messages: { content: unknown[] }[] };
    expect(sent.messages[2]!.content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }]);
  });

  it('sends server tools and versioned Anthropic tools unchanged, without warnings', async () => {
    const tools = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
    ];
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'ok' }]) });
    const response = await post({ model: claude, max_tokens: 100, tools, messages: hi });
    expect(response.headers.get('x-meridian-warnings')).toBeNull();
    expect(sentBody()['tools']).toEqual(tools);
  });

  it("sends a client tool's extra fields unchanged", async () => {
    const tool = {
      name: 'bash',
      input_schema: { type: 'object' },
      defer_loading: true,
      input_examples: [{ cmd: 'ls' }],
      eager_input_streaming: true,
      cache_control: { type: 'ephemeral', ttl: '1h' },
    };
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'ok' }]) });
    await post({ model: claude, max_tokens: 100, tools: [tool], messages: hi });
    expect(sentBody()['tools']).toEqual([tool]);
  });

  it('streams redacted_thinking, and keeps adjacent thinking and text blocks apart', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: anthropicStream([
        [
          { type: 'thinking', thinking: '', signature: '' },
          [
            { type: 'thinking_delta', thinking: 'first' },
            { type: 'signature_delta', signature: 'SIG_ONE' },
          ],
        ],
        [{ type: 'redacted_thinking', data: 'REDACTED' }, []],
        [
          { type: 'thinking', thinking: '', signature: '' },
          [
            { type: 'thinking_delta', thinking: 'second' },
            { type: 'signature_delta', signature: 'SIG_TWO' },
          ],
        ],
        [{ type: 'text', text: '' }, [{ type: 'text_delta', text: 'Para one.' }]],
        [{ type: 'text', text: '' }, [{ type: 'text_delta', text: 'Para two.' }]],
      ]),
    });
    const streamed = await client.messages
      .stream({ model: claude, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: hi })
      .finalMessage();
    expect(streamed.content).toEqual([
      { type: 'thinking', thinking: 'first', signature: 'SIG_ONE' },
      { type: 'redacted_thinking', data: 'REDACTED' },
      { type: 'thinking', thinking: 'second', signature: 'SIG_TWO' },
      { type: 'text', text: 'Para one.', citations: null },
      { type: 'text', text: 'Para two.', citations: null },
    ]);
  });

  it('returns citations, in JSON and as citations_delta', async () => {
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      document_title: null,
      start_char_index: 0,
      end_char_index: 1,
    };
    const document = {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'x' },
      citations: { enabled: true },
    };
    const body = {
      model: claude,
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: [document, { type: 'text', text: 'cite' }] }],
    };
    fake.enqueue({ kind: 'json', body: message([{ type: 'text', text: 'cited', citations: [citation] }]) });
    const json = (await (await post(body)).json()) as { content: unknown[] };
    expect(json.content).toEqual([{ type: 'text', text: 'cited', citations: [citation] }]);
    fake.enqueue({
      kind: 'sse',
      frames: anthropicStream([
        [
          { type: 'text', text: '', citations: [] },
          [
            { type: 'citations_delta', citation },
            { type: 'text_delta', text: 'cited' },
          ],
        ],
      ]),
    });
    const streamed = await client.messages.stream(body as Anthropic.MessageCreateParams).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'cited', citations: [citation] }]);
  });

  it("answers Anthropic's context overflow as context_length_exceeded", async () => {
    fake.enqueue({
      kind: 'error',
      status: 400,
      body: JSON.stringify({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' },
      }),
    });
    const response = await post({ model: claude, max_tokens: 100, messages: hi });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
  });

  it('puts the request id in a mid-stream error frame, as in JSON error bodies', async () => {
    const frames = anthropicStream([[{ type: 'text', text: '' }, [{ type: 'text_delta', text: 'partial' }]]]);
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    fake.enqueue({
      kind: 'sse',
      frames: [...frames.slice(0, 3), `event: error\ndata: ${JSON.stringify(overloaded)}\n\n`],
    });
    const response = await post({ model: claude, max_tokens: 100, stream: true, messages: hi });
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    const last = JSON.parse((await readSseData(response)).at(-1)!) as Record<string, unknown>;
    expect(last).toEqual({
      type: 'error',
      error: { type: 'api_error', message: expect.any(String) as unknown, code: 'upstream_error' },
      request_id: requestId,
    });
  });
});

const openaiBase = { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1_795_000_000, model: 'm' };
const openaiUsage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function openaiCompletion(messageBody: Record<string, unknown>): unknown {
  return {
    ...openaiBase,
    object: 'chat.completion',
    choices: [{ index: 0, message: messageBody, finish_reason: 'stop' }],
    usage: openaiUsage,
  };
}

function openaiChunk(delta: Record<string, unknown>, finish: string | null = null): unknown {
  return { ...openaiBase, choices: [{ index: 0, delta, finish_reason: finish }] };
}

describe('Anthropic client → OpenAI-compatible upstream', () => {
  it('reads tool-call deltas without an index but with new ids as separate tool_use blocks', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        openaiChunk({ role: 'assistant', content: null }),
        openaiChunk({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'read', arguments: '{}' } }] }),
        openaiChunk({
          tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'bash', arguments: '{"c":' } }],
        }),
        openaiChunk({ tool_calls: [{ function: { arguments: '1}' } }] }),
        openaiChunk({}, 'tool_calls'),
        { ...openaiBase, choices: [], usage: openaiUsage },
      ]),
    });
    const tools = [
      { name: 'read', input_schema: { type: 'object' as const } },
      { name: 'bash', input_schema: { type: 'object' as const } },
    ];
    const streamed = await client.messages
      .stream({ model: 'test/fake-model', max_tokens: 100, tools, messages: hi })
      .finalMessage();
    expect(streamed.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'read', input: {}, caller: { type: 'direct' } },
      { type: 'tool_use', id: 'call_b', name: 'bash', input: { c: 1 }, caller: { type: 'direct' } },
    ]);
  });

  it('joins multi-block system prompts and tool results a line apart', async () => {
    fake.enqueue({ kind: 'json', body: openaiCompletion({ role: 'assistant', content: 'ok' }) });
    await client.messages.create({
      model: 'test/fake-model',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Second block' },
      ],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              is_error: true,
              content: [
                { type: 'text', text: 'ENOENT' },
                { type: 'text', text: 'second' },
              ],
            },
          ],
        },
      ],
    });
    const sent = sentBody() as { messages: Record<string, unknown>[] };
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are a coding agent.\nSecond block' });
    expect(sent.messages[3]).toEqual({ role: 'tool', tool_call_id: 'toolu_1', content: 'ENOENT\nsecond' });
  });
});
