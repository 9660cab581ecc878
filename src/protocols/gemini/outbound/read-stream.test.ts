import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../../spec/index.js';
import { readFixtureStream } from '../test-support.js';
import { createStreamReader } from './read-stream.js';

/** Usage events with only the counts, so event arrays stay readable. */
function withCounts(events: readonly StreamEvent[]): unknown[] {
  return events.map((event) =>
    event.type === 'usage'
      ? { type: 'usage', input: event.usage.inputTokens, output: event.usage.outputTokens }
      : event,
  );
}

/** The nonce of the first made tool-call id (`call_<nonce>_<choice>_<n>`); fails the test when there is none. */
function readNonce(events: readonly StreamEvent[]): string {
  const start = events.find((event) => event.type === 'tool-call-start');
  const nonce = /^call_([0-9a-f]{16})_\d+_\d+$/.exec(start?.type === 'tool-call-start' ? start.toolCallId : '')?.[1];
  expect(nonce).toBeDefined();
  return nonce!;
}

describe('createStreamReader over recorded fixtures (7-byte chunks, CRLF frames)', () => {
  it('gemini-text: start, three deltas, finish, then the last usage once', () => {
    const { events, isComplete } = readFixtureStream('gemini-text.1.chunks.txt');
    expect(isComplete).toBe(true);
    expect(withCounts(events)).toEqual([
      { type: 'response-start', upstreamId: 'rsp-text-0001' },
      { type: 'text-delta', choice: 0, delta: 'The sky looks blue' },
      { type: 'text-delta', choice: 0, delta: ' because air scatters short' },
      { type: 'text-delta', choice: 0, delta: ' (blue) wavelengths most.' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'STOP' } },
      {
        type: 'usage',
        input: { total: 8, noCache: 8, cacheRead: 0, cacheWrite: undefined },
        output: { total: 14, text: 14, reasoning: 0 },
      },
    ]);
  });

  it('gemini-function-call: two whole calls in one chunk, the signature first, STOP → tool-calls', () => {
    const { events, isComplete } = readFixtureStream('gemini-function-call.1.chunks.txt', 3);
    expect(isComplete).toBe(true);
    const nonce = readNonce(events);
    expect(withCounts(events)).toEqual([
      { type: 'response-start', upstreamId: 'rsp-fc-0001' },
      { type: 'reasoning-signature', choice: 0, signature: 'c2lnLWZjLXBhcmFsbGVsLTE=' },
      {
        type: 'tool-call-start',
        choice: 0,
        toolCallIndex: 0,
        toolCallId: `call_${nonce}_0_0`,
        toolName: 'get_weather',
      },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: `call_${nonce}_0_1`, toolName: 'get_time' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{"tz":"Europe/Paris"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool-calls', raw: 'STOP' } },
      {
        type: 'usage',
        input: { total: 96, noCache: 96, cacheRead: 0, cacheWrite: undefined },
        output: { total: 82, text: 28, reasoning: 54 },
      },
    ]);
  });

  it('gemini-thinking: thought deltas, answer, the closing signature, thoughts counted apart', () => {
    const { events, isComplete } = readFixtureStream('gemini-thinking.1.chunks.txt', 1);
    expect(isComplete).toBe(true);
    expect(withCounts(events)).toEqual([
      { type: 'response-start', upstreamId: 'rsp-think-0001' },
      {
        type: 'reasoning-delta',
        choice: 0,
        delta: '**Checking the arithmetic**\n\nTwelve times twelve is a square.',
      },
      { type: 'reasoning-delta', choice: 0, delta: ' It is 144.' },
      { type: 'text-delta', choice: 0, delta: '12 × 12 = 144.' },
      { type: 'reasoning-signature', choice: 0, signature: 'c2lnLXRoaW5rLWVuZA==' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'STOP' } },
      {
        type: 'usage',
        input: { total: 11, noCache: 11, cacheRead: 0, cacheWrite: undefined },
        output: { total: 129, text: 9, reasoning: 120 },
      },
    ]);
  });

  it('gemini-error-midstream: usage so far, then a terminal error coded by status; not complete', () => {
    const { events, isComplete } = readFixtureStream('gemini-error-midstream.1.chunks.txt');
    expect(isComplete).toBe(false);
    expect(withCounts(events)).toEqual([
      { type: 'response-start', upstreamId: 'rsp-err-0001' },
      { type: 'text-delta', choice: 0, delta: 'Once upon a time' },
      {
        type: 'usage',
        input: { total: 6, noCache: 6, cacheRead: 0, cacheWrite: undefined },
        output: { total: 4, text: 4, reasoning: 0 },
      },
      {
        type: 'error',
        message: 'The model is overloaded. Please try again later.',
        code: 'UNAVAILABLE',
        raw: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
      },
    ]);
  });
});

describe('createStreamReader edge cases', () => {
  it('a non-JSON chunk is one upstream_invalid_response error, and nothing follows it', () => {
    const reader = createStreamReader();
    expect(reader.readEvent(undefined, '{"candidates": [')).toEqual([
      {
        type: 'error',
        message: 'The provider sent a stream chunk that is not JSON.',
        code: 'upstream_invalid_response',
      },
    ]);
    expect(reader.readEvent(undefined, '{"candidates":[{"content":{"parts":[{"text":"x"}]}}]}')).toEqual([]);
    expect(reader.end()).toEqual([]);
    expect(reader.isComplete).toBe(false);
  });

  it('an array-wrapped error chunk is an error event', () => {
    const reader = createStreamReader();
    expect(
      reader.readEvent(undefined, '[{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED"}}]'),
    ).toEqual([
      {
        type: 'error',
        message: 'Quota exceeded.',
        code: 'RESOURCE_EXHAUSTED',
        raw: { code: 429, message: 'Quota exceeded.', status: 'RESOURCE_EXHAUSTED' },
      },
    ]);
  });

  it('a blocked prompt finishes choice 0 by the content filter', () => {
    const reader = createStreamReader();
    expect(
      reader.readEvent(undefined, '{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"responseId":"r"}'),
    ).toEqual([
      { type: 'response-start', upstreamId: 'r' },
      { type: 'finish', choice: 0, finishReason: { unified: 'content-filter', raw: 'PROHIBITED_CONTENT' } },
    ]);
    expect(reader.isComplete).toBe(true);
  });

  it('is complete only once every candidate has finished, and finishes each at most once', () => {
    const reader = createStreamReader();
    const chunk = (candidates: unknown[]) => JSON.stringify({ candidates });
    reader.readEvent(undefined, chunk([{ index: 0, content: { parts: [{ text: 'a' }] } }, { index: 1 }]));
    expect(reader.isComplete).toBe(false);
    expect(reader.readEvent(undefined, chunk([{ index: 0, finishReason: 'STOP' }]))).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'STOP' } },
    ]);
    expect(reader.isComplete).toBe(false);
    expect(
      reader.readEvent(
        undefined,
        chunk([
          { index: 0, finishReason: 'STOP' },
          { index: 1, finishReason: 'MAX_TOKENS' },
        ]),
      ),
    ).toEqual([{ type: 'finish', choice: 1, finishReason: { unified: 'length', raw: 'MAX_TOKENS' } }]);
    expect(reader.isComplete).toBe(true);
    expect(reader.end()).toEqual([]);
  });

  it('names id-less calls with one nonce per stream, across chunks; keeps Gemini ids; a new stream, a new nonce', () => {
    const call = (functionCall: Record<string, unknown>) =>
      JSON.stringify({ candidates: [{ index: 0, content: { parts: [{ functionCall }] } }] });
    const read = () => {
      const reader = createStreamReader();
      return [
        ...reader.readEvent(undefined, call({ name: 'f', args: { a: 1 } })),
        ...reader.readEvent(undefined, call({ id: 'fc-google', name: 'g' })),
        ...reader.readEvent(undefined, call({ name: 'h' })),
      ];
    };
    const first = read();
    const nonce = readNonce(first);
    expect(first).toEqual([
      { type: 'response-start', upstreamId: undefined },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: `call_${nonce}_0_0`, toolName: 'f' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: 'fc-google', toolName: 'g' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{}' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 2, toolCallId: `call_${nonce}_0_2`, toolName: 'h' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 2, argumentsDelta: '{}' },
    ]);
    expect(readNonce(read())).not.toBe(nonce);
  });

  it('keeps only the last cumulative usage and emits it once, at the end', () => {
    const reader = createStreamReader();
    const usage = (candidates: number) =>
      JSON.stringify({ usageMetadata: { promptTokenCount: 5, candidatesTokenCount: candidates } });
    expect(reader.readEvent(undefined, usage(1)).map((event) => event.type)).toEqual(['response-start']);
    expect(reader.readEvent(undefined, usage(3))).toEqual([]);
    const events = reader.end();
    expect(events.length).toBe(1);
    expect(events[0]?.type === 'usage' && events[0].usage.outputTokens.text).toBe(3);
    expect(reader.end()).toEqual([]);
  });
});
