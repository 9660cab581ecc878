import { describe, expect, it } from 'vitest';
import { readFixtureJson, readFixtureStream } from '../test-support.js';
import { readResponse } from './read-response.js';
import { createStreamReader } from './read-stream.js';

describe('createStreamReader over recorded fixtures', () => {
  it('openai-text: start, text deltas, finish, then usage once at [DONE]', () => {
    const { events, isComplete } = readFixtureStream('openai-text.1.chunks.txt');
    expect(isComplete).toBe(true);
    expect(events.map((event) => (event.type === 'usage' ? { type: 'usage' } : event))).toEqual([
      { type: 'response-start', upstreamId: 'chatcmpl-AbC1', systemFingerprint: 'fp_44709d6fcb' },
      { type: 'text-delta', choice: 0, delta: 'Hello' },
      { type: 'text-delta', choice: 0, delta: ' there!' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop' } },
      { type: 'usage' },
    ]);
    const usage = events.at(-1);
    expect(usage?.type === 'usage' && { input: usage.usage.inputTokens, output: usage.usage.outputTokens }).toEqual({
      input: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: undefined },
      output: { total: 3, text: 3, reasoning: 0 },
    });
  });

  it('openai-tool-calls: two parallel calls with argument deltas, in order', () => {
    const { events } = readFixtureStream('openai-tool-calls.1.chunks.txt', 3);
    expect(events.filter((event) => event.type.startsWith('tool-call') || event.type === 'finish')).toEqual([
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_w1', toolName: 'get_weather' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"city": ' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: 'call_t2', toolName: 'get_time' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{"tz": "CET"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
  });

  it('deepseek-reasoning: reasoning_content deltas, cache hit/miss and reasoning tokens', () => {
    const { events } = readFixtureStream('deepseek-reasoning.1.chunks.txt', 1);
    expect(events.filter((event) => event.type === 'reasoning-delta' || event.type === 'text-delta')).toEqual([
      { type: 'reasoning-delta', choice: 0, delta: 'The user greets.' },
      { type: 'text-delta', choice: 0, delta: 'Hi!' },
    ]);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage?.type === 'usage' && { input: usage.usage.inputTokens, output: usage.usage.outputTokens }).toEqual({
      input: { total: 1200, noCache: 48, cacheRead: 1152, cacheWrite: undefined },
      output: { total: 30, text: 3, reasoning: 27 },
    });
  });

  it("kimi-cached-tokens: Moonshot's top-level cached_tokens and Chinese text", () => {
    const { events } = readFixtureStream('kimi-cached-tokens.1.chunks.txt', 5);
    expect(events.find((event) => event.type === 'text-delta')).toEqual({
      type: 'text-delta',
      choice: 0,
      delta: '你好',
    });
    const usage = events.find((event) => event.type === 'usage');
    expect(usage?.type === 'usage' && usage.usage.inputTokens).toEqual({
      total: 520,
      noCache: 8,
      cacheRead: 512,
      cacheWrite: undefined,
    });
  });

  it("Moonshot's usage only inside the finish chunk's choice (its documented stream shape) is read", () => {
    const reader = createStreamReader();
    const usage = { prompt_tokens: 520, completion_tokens: 2, total_tokens: 522, cached_tokens: 512 };
    reader.readEvent(undefined, JSON.stringify({ id: 'k', choices: [{ index: 0, delta: { content: '你好' } }] }));
    reader.readEvent(
      undefined,
      JSON.stringify({ id: 'k', choices: [{ index: 0, delta: {}, finish_reason: 'stop', usage }] }),
    );
    const events = reader.readEvent(undefined, '[DONE]');
    expect(events).toHaveLength(1);
    expect(events[0]?.type === 'usage' && events[0].usage.inputTokens).toEqual({
      total: 520,
      noCache: 8,
      cacheRead: 512,
      cacheWrite: undefined,
    });
  });

  it('openai-usage-absent: no usage event at all (unknown stays unknown)', () => {
    const { events } = readFixtureStream('openai-usage-absent.1.chunks.txt');
    expect(events.some((event) => event.type === 'usage')).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'length' } });
  });

  it('openai-error-midstream: an error event after output, and no [DONE]', () => {
    const { events, isComplete } = readFixtureStream('openai-error-midstream.1.chunks.txt');
    expect(isComplete).toBe(false);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      message: 'The server had an error while processing your request.',
      code: 'server_error',
    });
  });

  it('openai-heartbeat: comments are ignored', () => {
    const { events } = readFixtureStream('openai-heartbeat.1.chunks.txt', 2);
    expect(events.map((event) => event.type)).toEqual(['response-start', 'text-delta', 'finish', 'usage']);
  });

  it('malformed chunk → one upstream_invalid_response error event', () => {
    const reader = createStreamReader();
    expect(reader.readEvent(undefined, '{"choices": [')).toEqual([
      {
        type: 'error',
        message: 'The provider sent a stream chunk that is not JSON.',
        code: 'upstream_invalid_response',
      },
    ]);
  });

  it('keeps only the last cumulative usage and emits it once', () => {
    const reader = createStreamReader();
    reader.readEvent(
      undefined,
      '{"id":"a","choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":5,"completion_tokens":1}}',
    );
    reader.readEvent(
      undefined,
      '{"id":"a","choices":[{"index":0,"delta":{"content":"y"}}],"usage":{"prompt_tokens":5,"completion_tokens":2}}',
    );
    const events = reader.readEvent(undefined, '[DONE]');
    expect(events.length).toBe(1);
    expect(events[0]?.type === 'usage' && events[0].usage.outputTokens.total).toBe(2);
    expect(reader.end()).toEqual([]);
  });
});

describe('readResponse', () => {
  it('reads a DeepSeek completion with reasoning and usage', () => {
    const result = readResponse(readFixtureJson('deepseek-reasoning.1.json'));
    expect(result.upstreamId).toBe('ds-json-1');
    expect(result.systemFingerprint).toBe('fp_ds_v32');
    expect(result.choices).toEqual([
      {
        index: 0,
        content: [
          { type: 'reasoning', text: 'Capital of France.' },
          { type: 'text', text: 'Paris.' },
        ],
        finishReason: { unified: 'stop', raw: 'stop' },
      },
    ]);
    expect(result.usage.inputTokens).toEqual({ total: 20, noCache: 20, cacheRead: 0, cacheWrite: undefined });
    expect(result.usage.outputTokens).toEqual({ total: 8, text: 3, reasoning: 5 });
  });

  it('throws upstream_invalid_response without choices', () => {
    expect(() => readResponse({ id: 'x' })).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it('reads a custom tool’s call (type custom, free-form input) beside a function call', () => {
    const result = readResponse({
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_c', type: 'custom', custom: { name: 'c', input: 'print(1)' } },
              { id: 'call_f', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(result.choices[0]?.content).toEqual([
      { type: 'tool-call', toolCallId: 'call_c', toolName: 'c', arguments: 'print(1)', isCustom: true },
      { type: 'tool-call', toolCallId: 'call_f', toolName: 'f', arguments: '{}' },
    ]);
  });

  it('throws a retryable upstream_invalid_response on an empty choices array, usage or not', () => {
    const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };
    for (const body of [{ id: 'x', choices: [], usage }, { choices: [] }]) {
      expect(() => readResponse(body)).toThrow(
        expect.objectContaining({
          code: 'upstream_invalid_response',
          message: 'The provider answered without any choice (`choices` is empty).',
          isRetryable: true,
        }),
      );
    }
  });
});

describe('a custom tool’s streamed call', () => {
  it('starts with type custom and its name, then passes custom.input pieces as argument deltas', () => {
    const reader = createStreamReader();
    const chunk = (toolCall: Record<string, unknown>) =>
      JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [toolCall] } }] });
    const events = [
      ...reader.readEvent(
        undefined,
        chunk({ index: 0, id: 'call_c', type: 'custom', custom: { name: 'c', input: '' } }),
      ),
      ...reader.readEvent(undefined, chunk({ index: 0, custom: { input: 'print(' } })),
      ...reader.readEvent(undefined, chunk({ index: 0, custom: { input: '1)' } })),
    ];
    expect(events).toEqual([
      { type: 'response-start', upstreamId: undefined },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_c', toolName: 'c', isCustom: true },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: 'print(' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '1)' },
    ]);
  });
});

describe('usage sent in every chunk, then an error frame', () => {
  it('emits the usage held so far before the terminal error', () => {
    const { events, isComplete } = readFixtureStream('openai-usage-then-error.1.chunks.txt');
    expect(events.map((event) => event.type)).toEqual(['response-start', 'text-delta', 'usage', 'error']);
    expect(events[2]).toMatchObject({ usage: { inputTokens: { total: 12 }, outputTokens: { total: 1 } } });
    expect(events[3]).toMatchObject({ code: 'engine_overloaded' });
    expect(isComplete).toBe(false);
  });
});

describe('tool-call deltas without an index', () => {
  function readChunks(toolCalls: readonly unknown[][]) {
    const reader = createStreamReader();
    const chunks = toolCalls.map((calls) => ({ id: 'c', choices: [{ index: 0, delta: { tool_calls: calls } }] }));
    return chunks.flatMap((chunk) => reader.readEvent(undefined, JSON.stringify(chunk)));
  }

  it('start a new call for each new id, and continue the last call otherwise', () => {
    const events = readChunks([
      [{ id: 'call_a', type: 'function', function: { name: 'read', arguments: '{"path":' } }],
      [{ function: { arguments: '"a"}' } }],
      [{ id: 'call_b', type: 'function', function: { name: 'bash', arguments: '{"cmd":' } }],
      [{ id: 'call_b', function: { arguments: '"ls"}' } }],
    ]);
    expect(events.filter((event) => event.type !== 'response-start')).toEqual([
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_a', toolName: 'read' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"path":' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '"a"}' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: 'call_b', toolName: 'bash' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{"cmd":' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '"ls"}' },
    ]);
  });

  it('read two whole calls in one chunk as two calls', () => {
    const events = readChunks([
      [
        { id: 'call_a', type: 'function', function: { name: 'read', arguments: '{}' } },
        { id: 'call_b', type: 'function', function: { name: 'bash', arguments: '{}' } },
      ],
    ]);
    expect(events.filter((event) => event.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_a', toolName: 'read' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: 'call_b', toolName: 'bash' },
    ]);
  });
});
