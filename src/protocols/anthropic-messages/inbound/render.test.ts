import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import type { BilledUsage, ChatResult, StreamEvent } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import { renderError } from './render-error.js';
import { renderResponse } from './render-response.js';
import { createStreamRenderer } from './render-stream.js';
import { tagSignature, untagSignature } from './signature-tag.js';

const meta: ResponseMeta = {
  generationId: 'gen-1-abc',
  requestId: 'req_test',
  model: 'deepseek/deepseek-chat',
  orgId: 'acme',
  createdSeconds: 1795000000,
  providerName: 'deepseek',
  upstreamProtocol: 'anthropic-messages',
  isReasoningShown: true,
  estimatePromptTokens: () => 42,
};
const billed: BilledUsage = {
  usage: createUnknownUsage(),
  promptTokens: 100,
  completionTokens: 20,
  cachedTokens: 60,
  cacheWriteTokens: 10,
  reasoningTokens: 5,
  costNanos: 1_500n,
  upstreamCostNanos: 1_000n,
  isEstimated: false,
};
const nullDetails = {
  cache_creation: null,
  inference_geo: null,
  output_tokens_details: null,
  server_tool_use: null,
  service_tier: null,
  speed: null,
};
const usage = {
  ...nullDetails,
  input_tokens: 30,
  cache_creation_input_tokens: 10,
  cache_read_input_tokens: 60,
  output_tokens: 20,
  cost: 0.0000015,
  cost_details: { upstream_inference_cost: 0.000001 },
};

/** Splits rendered SSE into [event name, parsed data] pairs, checking every frame has its `event:` line. */
function frames(text: string): [string, Record<string, unknown>][] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const match = /^event: (\w+)\ndata: (.*)$/s.exec(frame);
      if (match === null) throw new Error(`bad frame ${frame}`);
      const data = JSON.parse(match[2]!) as Record<string, unknown>;
      expect(data['type']).toBe(match[1]);
      return [match[1]!, data];
    });
}

describe('renderResponse (Anthropic)', () => {
  it('renders thinking, text and tool_use blocks, the stop reason and Anthropic usage', () => {
    const result: ChatResult = {
      upstreamId: 'up-1',
      usage: createUnknownUsage(),
      choices: [
        {
          index: 0,
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          content: [
            { type: 'reasoning', text: 'think', signature: 's' },
            { type: 'reasoning', text: 'unsigned' },
            { type: 'text', text: 'Calling.' },
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'f', arguments: '{"a":1}' },
            { type: 'opaque', protocol: 'openai-chat', value: { type: 'x' } },
          ],
        },
      ],
    };
    expect(JSON.parse(renderResponse(result, billed, meta))).toEqual({
      id: 'gen-1-abc',
      type: 'message',
      role: 'assistant',
      model: 'deepseek/deepseek-chat',
      content: [
        { type: 'thinking', thinking: 'think', signature: 's' },
        { type: 'thinking', thinking: 'unsigned', signature: '' },
        { type: 'text', text: 'Calling.', citations: null },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 }, caller: { type: 'direct' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      container: null,
      diagnostics: null,
      stop_details: null,
      usage,
    });
  });

  it('keeps an Anthropic upstream stop reason as sent and maps the others', () => {
    const render = (unified: 'stop' | 'length' | 'content-filter', raw: string) =>
      (
        JSON.parse(
          renderResponse(
            {
              upstreamId: undefined,
              usage: createUnknownUsage(),
              choices: [{ index: 0, content: [], finishReason: { unified, raw } }],
            },
            billed,
            { ...meta, isReasoningShown: false },
          ),
        ) as { stop_reason: string }
      ).stop_reason;
    expect(render('stop', 'stop_sequence')).toBe('stop_sequence');
    expect(render('stop', 'stop')).toBe('end_turn');
    expect(render('length', 'MAX_TOKENS')).toBe('max_tokens');
    expect(render('content-filter', 'content_filter')).toBe('refusal');
  });

  it('renders the stop sequence that matched and the citations an Anthropic upstream returned', () => {
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      start_char_index: 0,
      end_char_index: 1,
    };
    const result: ChatResult = {
      upstreamId: 'up-1',
      usage: createUnknownUsage(),
      choices: [
        {
          index: 0,
          finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'STOP' },
          content: [
            { type: 'text', text: 'cited', citations: [citation] },
            { type: 'text', text: 'plain' },
          ],
        },
      ],
    };
    expect(JSON.parse(renderResponse(result, billed, meta))).toMatchObject({
      content: [
        { type: 'text', text: 'cited', citations: [citation] },
        { type: 'text', text: 'plain', citations: null },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: 'STOP',
    });
  });
});

describe('createStreamRenderer (Anthropic)', () => {
  it('frames message_start, blocks in order, interleaved parallel tool deltas, message_delta and message_stop', () => {
    const renderer = createStreamRenderer(undefined, meta);
    let text = renderer.renderEvent({ type: 'response-start', upstreamId: 'u' });
    text += renderer.renderEvent({ type: 'reasoning-delta', choice: 0, delta: 'hm' });
    text += renderer.renderEvent({ type: 'reasoning-signature', choice: 0, signature: 'sig' });
    text += renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'Hi' });
    text += renderer.renderEvent({
      type: 'tool-call-start',
      choice: 0,
      toolCallIndex: 0,
      toolCallId: 'a',
      toolName: 'f',
    });
    text += renderer.renderEvent({
      type: 'tool-call-start',
      choice: 0,
      toolCallIndex: 1,
      toolCallId: 'b',
      toolName: 'g',
    });
    text += renderer.renderEvent({ type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"x":' });
    text += renderer.renderEvent({ type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{}' });
    text += renderer.renderEvent({ type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '1}' });
    text += renderer.renderEvent({ type: 'text-delta', choice: 1, delta: 'other choice' });
    text += renderer.renderEvent({
      type: 'finish',
      choice: 0,
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
    });
    text += renderer.renderEnd(billed);
    expect(frames(text)).toEqual([
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'gen-1-abc',
            type: 'message',
            role: 'assistant',
            model: 'deepseek/deepseek-chat',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            container: null,
            diagnostics: null,
            stop_details: null,
            usage: {
              ...nullDetails,
              input_tokens: 42,
              cache_creation_input_tokens: null,
              cache_read_input_tokens: null,
              output_tokens: 0,
            },
          },
        },
      ],
      ['ping', { type: 'ping' }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hm' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '', citations: null } },
      ],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'a', name: 'f', input: {}, caller: { type: 'direct' } },
        },
      ],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 3,
          content_block: { type: 'tool_use', id: 'b', name: 'g', input: {}, caller: { type: 'direct' } },
        },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      ['content_block_stop', { type: 'content_block_stop', index: 3 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null, container: null, stop_details: null },
          usage,
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ]);
  });

  it('hides thinking when excluded and ends a failed stream with an error event', () => {
    const renderer = createStreamRenderer(undefined, { ...meta, isReasoningShown: false });
    let text = renderer.renderEvent({ type: 'reasoning-delta', choice: 0, delta: 'secret' });
    text += renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'A' });
    text += renderer.renderError(new GatewayError({ code: 'upstream_error', message: 'Provider x failed.' }), billed);
    expect(frames(text).map(([name]) => name)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'error',
    ]);
    expect(frames(text)[4]![1]).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'Provider x failed.', code: 'upstream_error' },
      request_id: 'req_test',
    });
  });

  it('keeps upstream blocks apart: two thinking blocks keep their signatures, two text blocks stay two', () => {
    const renderer = createStreamRenderer(undefined, meta);
    const events: StreamEvent[] = [
      { type: 'reasoning-delta', choice: 0, delta: 'first', block: 0 },
      { type: 'reasoning-signature', choice: 0, signature: 'SIG_ONE', block: 0 },
      { type: 'reasoning-delta', choice: 0, delta: 'second', block: 1 },
      { type: 'reasoning-signature', choice: 0, signature: 'SIG_TWO', block: 1 },
      { type: 'text-delta', choice: 0, delta: 'Para one.', block: 2 },
      { type: 'text-delta', choice: 0, delta: ' More.', block: 2 },
      { type: 'text-delta', choice: 0, delta: 'Para two.', block: 3 },
    ];
    const text = events.map((event) => renderer.renderEvent(event)).join('');
    expect(
      frames(text)
        .slice(2)
        .map(([, data]) => data),
    ).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'first' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'SIG_ONE' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'second' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'SIG_TWO' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '', citations: null } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Para one.' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: ' More.' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'text', text: '', citations: null } },
      { type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'Para two.' } },
    ]);
  });

  it('keeps consecutive deltas without a block (OpenAI-compatible upstreams) in one block', () => {
    const renderer = createStreamRenderer(undefined, meta);
    const text =
      renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'Hel' }) +
      renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'lo' });
    expect(frames(text).map(([name]) => name)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
    ]);
  });

  it('streams whole blocks (redacted_thinking) as start and stop, citations as citations_delta, and the stop sequence', () => {
    const renderer = createStreamRenderer(undefined, meta);
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      start_char_index: 0,
      end_char_index: 1,
    };
    const events: StreamEvent[] = [
      { type: 'reasoning-delta', choice: 0, delta: 'hm', block: 0 },
      {
        type: 'opaque-part',
        choice: 0,
        protocol: 'anthropic-messages',
        value: { type: 'redacted_thinking', data: 'R' },
      },
      { type: 'opaque-part', choice: 0, protocol: 'gemini', value: { executableCode: {} } },
      { type: 'citation-delta', choice: 0, citation, block: 2 },
      { type: 'text-delta', choice: 0, delta: 'cited', block: 2 },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'STOP' } },
    ];
    const text = events.map((event) => renderer.renderEvent(event)).join('') + renderer.renderEnd(billed);
    expect(
      frames(text)
        .slice(4)
        .map(([, data]) => data),
    ).toEqual([
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'R' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '', citations: null } },
      { type: 'content_block_delta', index: 2, delta: { type: 'citations_delta', citation } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'cited' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP', container: null, stop_details: null },
        usage,
      },
      { type: 'message_stop' },
    ]);
  });
});

describe('heartbeats', () => {
  it('are frames each protocol’s clients skip', () => {
    expect(createStreamRenderer(undefined, meta).renderHeartbeat()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe('signature tags', () => {
  it("tags another protocol's signature on the way out and restores it on the way in", () => {
    const renderer = createStreamRenderer(undefined, { ...meta, upstreamProtocol: 'gemini' });
    const text = renderer.renderEvent({ type: 'reasoning-signature', choice: 0, signature: 'CiQB' });
    expect(frames(text)[3]![1]).toMatchObject({ delta: { type: 'signature_delta', signature: 'gemini:CiQB' } });
    expect(untagSignature('gemini:CiQB')).toEqual({ signature: 'CiQB', signatureProtocol: 'gemini' });
    expect(untagSignature('EqQBCkgIARABGAIiQL+base64/sig==')).toEqual({ signature: 'EqQBCkgIARABGAIiQL+base64/sig==' });
    expect(tagSignature('EqQB', 'anthropic-messages')).toBe('EqQB');
  });
});

describe('renderError (Anthropic)', () => {
  it("uses Anthropic's error shape, the request-id header and Retry-After", () => {
    const rendered = renderError(
      new GatewayError({ code: 'upstream_rate_limited', message: 'slow down', retryAfterSeconds: 7 }),
      'req-1',
    );
    expect(rendered.status).toBe(429);
    expect(JSON.parse(rendered.body)).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down', code: 'upstream_rate_limited' },
      request_id: 'req-1',
    });
    expect(rendered.headers).toEqual({
      'content-type': 'application/json',
      'request-id': 'req-1',
      'x-request-id': 'req-1',
      'retry-after': '7',
    });
  });

  it('marks 405 and a 409 for another body final, not a 409 "still in progress"', () => {
    const shouldRetry = (error: GatewayError) => renderError(error, 'req-2').headers['x-should-retry'];
    expect(shouldRetry(new GatewayError({ code: 'method_not_allowed', message: 'x' }))).toBe('false');
    expect(shouldRetry(new GatewayError({ code: 'idempotency_conflict', message: 'x' }))).toBe('false');
    expect(
      shouldRetry(new GatewayError({ code: 'idempotency_conflict', message: 'x', isRetryable: true })),
    ).toBeUndefined();
  });
});
