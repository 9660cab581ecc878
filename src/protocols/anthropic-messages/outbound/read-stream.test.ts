import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../../spec/index.js';
import { createStreamReader } from './read-stream.js';
import { readFixtureStream } from './test-support.js';

function usageOf(events: readonly StreamEvent[]) {
  const usages = events.filter((event) => event.type === 'usage');
  expect(usages).toHaveLength(1);
  const usage = usages[0]?.type === 'usage' ? usages[0].usage : undefined;
  return { input: usage?.inputTokens, output: usage?.outputTokens, raw: usage?.raw };
}

/** Events with the usage payload reduced to its type, so the order is asserted separately from the numbers. */
function withoutUsagePayload(events: readonly StreamEvent[]) {
  return events.map((event) => (event.type === 'usage' ? { type: 'usage' } : event));
}

describe('createStreamReader over fixtures', () => {
  it('anthropic-text: start, text deltas (ping ignored), finish, then usage once at message_stop', () => {
    const { events, isComplete } = readFixtureStream('anthropic-text.1.chunks.txt');
    expect(isComplete).toBe(true);
    expect(withoutUsagePayload(events)).toEqual([
      { type: 'response-start', upstreamId: 'msg_01TXT000000000000000001' },
      { type: 'text-delta', choice: 0, delta: 'Hello', block: 0 },
      { type: 'text-delta', choice: 0, delta: ' there!', block: 0 },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'end_turn' } },
      { type: 'usage' },
    ]);
    expect(usageOf(events)).toEqual({
      input: { total: 25, noCache: 25, cacheRead: 0, cacheWrite: 0 },
      output: { total: 15, text: undefined, reasoning: undefined },
      raw: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 15 },
    });
  });

  it('anthropic-tool-use: text, then two tool calls numbered 0 and 1 although their blocks are 1 and 2', () => {
    const { events, isComplete } = readFixtureStream('anthropic-tool-use.1.chunks.txt', 3);
    expect(isComplete).toBe(true);
    expect(withoutUsagePayload(events)).toEqual([
      { type: 'response-start', upstreamId: 'msg_01TOOL00000000000000001' },
      { type: 'text-delta', choice: 0, delta: 'Checking both.', block: 0 },
      {
        type: 'tool-call-start',
        choice: 0,
        toolCallIndex: 0,
        toolCallId: 'toolu_01Weather000000000000001',
        toolName: 'get_weather',
      },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"location": "San Fra' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: 'ncisco, CA"}' },
      {
        type: 'tool-call-start',
        choice: 0,
        toolCallIndex: 1,
        toolCallId: 'toolu_01Time00000000000000002',
        toolName: 'get_time',
      },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{"timezone": ' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '"America/Los_Angeles"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
      { type: 'usage' },
    ]);
    expect(usageOf(events).input).toEqual({ total: 472, noCache: 472, cacheRead: 0, cacheWrite: 0 });
    expect(usageOf(events).output?.total).toBe(89);
  });

  it('anthropic-thinking: reasoning deltas, the signature, then text', () => {
    const { events } = readFixtureStream('anthropic-thinking.1.chunks.txt', 1);
    expect(withoutUsagePayload(events)).toEqual([
      { type: 'response-start', upstreamId: 'msg_01THK000000000000000001' },
      { type: 'reasoning-delta', choice: 0, delta: '27 * 453: 27 * 400 = 10800', block: 0 },
      { type: 'reasoning-delta', choice: 0, delta: ', 27 * 53 = 1431, sum 12231.', block: 0 },
      { type: 'reasoning-signature', choice: 0, signature: 'EqQBCgIYAhIMREDACTEDsignature0001', block: 0 },
      { type: 'text-delta', choice: 0, delta: '27 * 453 = 12,231', block: 1 },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'end_turn' } },
      { type: 'usage' },
    ]);
    expect(usageOf(events).output).toEqual({ total: 62, text: undefined, reasoning: undefined });
  });

  it('anthropic-error-midstream: the usage known so far, then the error; output count unknown, stream incomplete', () => {
    const { events, isComplete } = readFixtureStream('anthropic-error-midstream.1.chunks.txt');
    expect(isComplete).toBe(false);
    expect(withoutUsagePayload(events)).toEqual([
      { type: 'response-start', upstreamId: 'msg_01ERR000000000000000001' },
      { type: 'text-delta', choice: 0, delta: 'Once upon', block: 0 },
      { type: 'usage' },
      {
        type: 'error',
        message: 'Overloaded',
        code: 'overloaded_error',
        raw: { type: 'overloaded_error', message: 'Overloaded' },
      },
    ]);
    // message_start's output_tokens (1) is provisional: metering must count the delivered text instead.
    expect(usageOf(events)).toMatchObject({
      input: { total: 43, noCache: 31, cacheRead: 12, cacheWrite: 0 },
      output: { total: undefined, text: undefined, reasoning: undefined },
    });
  });

  it('kimi-anthropic-usage: zeros in message_start, real prompt counts only in message_delta', () => {
    const { events, isComplete } = readFixtureStream('kimi-anthropic-usage.1.chunks.txt', 5);
    expect(isComplete).toBe(true);
    expect(events.filter((event) => event.type === 'text-delta')).toEqual([
      { type: 'text-delta', choice: 0, delta: '你好', block: 0 },
      { type: 'text-delta', choice: 0, delta: '！', block: 0 },
    ]);
    expect(usageOf(events)).toEqual({
      input: { total: 520, noCache: 8, cacheRead: 512, cacheWrite: undefined },
      output: { total: 3, text: undefined, reasoning: undefined },
      raw: { input_tokens: 8, output_tokens: 3, cache_read_input_tokens: 512 },
    });
    expect(events.at(-1)?.type).toBe('usage');
  });

  it.each([1, 2, 13, 64])('gives the same events whatever the chunk size (%i bytes)', (chunkBytes) => {
    expect(readFixtureStream('anthropic-tool-use.1.chunks.txt', chunkBytes)).toEqual(
      readFixtureStream('anthropic-tool-use.1.chunks.txt', 4096),
    );
  });
});

describe('createStreamReader edge cases', () => {
  function read(frames: readonly (readonly [string | undefined, unknown])[]) {
    const reader = createStreamReader();
    const events: StreamEvent[] = [];
    for (const [name, data] of frames)
      events.push(...reader.readEvent(name, typeof data === 'string' ? data : JSON.stringify(data)));
    events.push(...reader.end());
    return { events, isComplete: reader.isComplete };
  }

  const start = { type: 'message_start', message: { id: 'msg_x', usage: { input_tokens: 5, output_tokens: 1 } } };
  const textStart = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } };

  it('takes the event type from data.type when the event: line is missing', () => {
    const { events, isComplete } = read([
      [undefined, start],
      [undefined, textStart],
      [undefined, { type: 'ping' }],
      [undefined, { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 7 } }],
      [undefined, { type: 'message_stop' }],
    ]);
    expect(isComplete).toBe(true);
    expect(withoutUsagePayload(events)).toEqual([
      { type: 'response-start', upstreamId: 'msg_x' },
      { type: 'text-delta', choice: 0, delta: 'Hi', block: 0 },
      { type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'max_tokens' } },
      { type: 'usage' },
    ]);
  });

  it('emits usage at end() when the stream stops without message_stop, and only once', () => {
    const { events, isComplete } = read([
      ['message_start', start],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }],
    ]);
    expect(isComplete).toBe(false);
    expect(usageOf(events)).toMatchObject({ output: { total: 9 } });
    expect(events.at(-1)?.type).toBe('usage');
  });

  it('emits no usage at all when the provider never reported any', () => {
    const { events } = read([
      ['message_start', { type: 'message_start', message: { id: 'msg_y' } }],
      ['content_block_start', textStart],
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(events.some((event) => event.type === 'usage')).toBe(false);
  });

  it('keeps earlier counts when a later message_delta sends null or omits them', () => {
    const { events } = read([
      ['message_start', start],
      ['message_delta', { type: 'message_delta', delta: {}, usage: { input_tokens: null, output_tokens: 4 } }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 6 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(usageOf(events)).toMatchObject({
      input: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
      output: { total: 6 },
    });
    expect(events.filter((event) => event.type === 'finish')).toHaveLength(1);
  });

  it('passes redacted_thinking and server tool blocks whole at their stop, input gathered, not as tool calls', () => {
    const blockStart = (index: number, block: unknown) => [
      'content_block_start',
      { type: 'content_block_start', index, content_block: block },
    ];
    const blockDelta = (index: number, delta: unknown) => [
      'content_block_delta',
      { type: 'content_block_delta', index, delta },
    ];
    const blockStop = (index: number) => ['content_block_stop', { type: 'content_block_stop', index }];
    const searchResult = {
      type: 'web_search_tool_result',
      tool_use_id: 's1',
      content: [{ type: 'web_search_result', url: 'https://a.example', title: 'A', encrypted_content: 'E' }],
    };
    const { events } = read([
      ['message_start', start],
      blockStart(0, { type: 'redacted_thinking', data: 'REDACTED' }),
      blockStop(0),
      blockStart(1, { type: 'server_tool_use', id: 's1', name: 'web_search', input: {} }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '{"query":' }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '"meridian"}' }),
      blockStop(1),
      blockStart(2, searchResult),
      blockStop(2),
      blockStart(3, { type: 'tool_use', id: 't1', name: 'f', input: {} }),
      blockStop(3),
    ] as const as readonly (readonly [string, unknown])[]);
    const part = (value: unknown) => ({ type: 'opaque-part', choice: 0, protocol: 'anthropic-messages', value });
    expect(events.filter((event) => event.type !== 'usage')).toEqual([
      { type: 'response-start', upstreamId: 'msg_x' },
      part({ type: 'redacted_thinking', data: 'REDACTED' }),
      part({ type: 'server_tool_use', id: 's1', name: 'web_search', input: { query: 'meridian' } }),
      part(searchResult),
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 't1', toolName: 'f' },
    ]);
  });

  it('keeps block boundaries: two thinking blocks and two text blocks carry their own block index', () => {
    const { events } = read([
      ['message_start', start],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'first' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'SIG_ONE' } },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'second' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'SIG_TWO' } },
      ],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Para one.' } },
      ],
      ['content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'text', text: '' } }],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'Para two.' } },
      ],
    ]);
    expect(events.slice(1)).toEqual([
      { type: 'reasoning-delta', choice: 0, delta: 'first', block: 0 },
      { type: 'reasoning-signature', choice: 0, signature: 'SIG_ONE', block: 0 },
      { type: 'reasoning-delta', choice: 0, delta: 'second', block: 1 },
      { type: 'reasoning-signature', choice: 0, signature: 'SIG_TWO', block: 1 },
      { type: 'text-delta', choice: 0, delta: 'Para one.', block: 2 },
      { type: 'text-delta', choice: 0, delta: 'Para two.', block: 3 },
      { type: 'usage', usage: expect.any(Object) as unknown },
    ]);
  });

  it('reads citations (citations_delta, or ones a text block opens with) as citation-delta events', () => {
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      document_title: null,
      start_char_index: 0,
      end_char_index: 1,
    };
    const { events } = read([
      ['message_start', start],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: [] } },
      ],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'cited' } }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: 'b', citations: [citation] } },
      ],
    ]);
    expect(events.filter((event) => event.type === 'citation-delta' || event.type === 'text-delta')).toEqual([
      { type: 'citation-delta', choice: 0, citation, block: 0 },
      { type: 'text-delta', choice: 0, delta: 'cited', block: 0 },
      { type: 'text-delta', choice: 0, delta: 'b', block: 1 },
      { type: 'citation-delta', choice: 0, citation, block: 1 },
    ]);
  });

  it('keeps the stop sequence message_delta names', () => {
    const { events } = read([
      ['message_start', start],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP' } }],
    ]);
    expect(events.find((event) => event.type === 'finish')).toEqual({
      type: 'finish',
      choice: 0,
      finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'STOP' },
    });
  });

  it('forwards a whole tool input sent in content_block_start (compatible vendors)', () => {
    const { events } = read([
      ['message_start', start],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
        },
      ],
    ]);
    expect(events.filter((event) => event.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"a":1}' },
    ]);
  });

  it('turns data that is not JSON into an upstream_invalid_response error', () => {
    expect(read([['message_start', 'not json']]).events).toEqual([
      {
        type: 'error',
        message: 'The provider sent a stream event whose data is not JSON.',
        code: 'upstream_invalid_response',
      },
    ]);
  });

  it('reads an error event before any output as a bare error, without response-start', () => {
    expect(
      read([['error', { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }]]).events,
    ).toEqual([
      {
        type: 'error',
        message: 'Internal server error',
        code: 'api_error',
        raw: { type: 'api_error', message: 'Internal server error' },
      },
    ]);
  });

  it('maps every Anthropic stop reason through message_delta', () => {
    const reasons = [
      'end_turn',
      'stop_sequence',
      'max_tokens',
      'model_context_window_exceeded',
      'tool_use',
      'refusal',
      'pause_turn',
      'novel',
    ];
    const unified = reasons.map((reason) => {
      const finish = read([['message_delta', { type: 'message_delta', delta: { stop_reason: reason } }]]).events.find(
        (event) => event.type === 'finish',
      );
      return finish?.type === 'finish' ? finish.finishReason.unified : undefined;
    });
    expect(unified).toEqual(['stop', 'stop', 'length', 'length', 'tool-calls', 'content-filter', 'other', 'other']);
  });
});
