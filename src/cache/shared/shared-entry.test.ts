import { describe, expect, it } from 'vitest';
import { createTestModel } from '../../routing/test-support.js';
import type { BilledUsage, ChatResult, StreamEvent } from '../../spec/index.js';
import type { CachedCall } from '../response-cache.js';
import { decodeSharedEntry, encodeSharedEntry, resolveSharedEntry } from './shared-entry.js';

const model = createTestModel('vendor/model', [
  { provider: 'provider-a', prompt: '1', completion: '2' },
  { provider: 'provider-b', prompt: '1', completion: '2' },
]);
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 4, text: 4, reasoning: undefined },
  isEstimated: false,
  raw: { prompt_tokens: 10, completion_tokens: 4 },
};
const billed: BilledUsage = {
  usage,
  promptTokens: 10,
  completionTokens: 4,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costNanos: 18_000n,
  upstreamCostNanos: 17_000n,
  isEstimated: false,
};
const finishReason = { unified: 'tool-calls', raw: 'tool_calls' } as const;
const events: StreamEvent[] = [
  { type: 'text-delta', choice: 0, delta: 'Looking "it" up…\n' },
  { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_1', toolName: 'lookup' },
  { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"q":"\\u00e9"}' },
  { type: 'finish', choice: 0, finishReason },
];
const result: ChatResult = {
  upstreamId: 'chatcmpl-1',
  choices: [{ index: 0, content: [{ type: 'text', text: 'hello' }], finishReason }],
  usage,
};
const streamCall: CachedCall = {
  answer: { kind: 'stream', events },
  model,
  endpoint: model.endpoints[1]!,
  billed,
  finishReason,
};
const times = { storedAtMs: 1_000, expiresAtMs: 61_000 };

describe('encodeSharedEntry and decodeSharedEntry', () => {
  it('round-trip a stream answer with its model and endpoint named and no money', () => {
    const text = encodeSharedEntry(streamCall, times);
    expect(text).not.toContain('18000');
    expect(decodeSharedEntry(text)).toEqual({
      bytes: text.length,
      ...times,
      modelId: 'vendor/model',
      providerId: 'provider-b',
      upstreamModel: model.endpoints[1]!.upstreamModel,
      billed: {
        usage,
        promptTokens: 10,
        completionTokens: 4,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        isEstimated: false,
      },
      finishReason,
      answer: { kind: 'stream', events },
    });
  });

  it('round-trip a JSON answer without a finish reason', () => {
    const call: CachedCall = { ...streamCall, answer: { kind: 'json', result }, finishReason: undefined };
    const decoded = decodeSharedEntry(encodeSharedEntry(call, times));
    expect(decoded?.answer).toEqual({ kind: 'json', result });
    expect(decoded?.finishReason).toBeUndefined();
  });

  it('read anything else as no entry', () => {
    const valid = JSON.parse(encodeSharedEntry(streamCall, times)) as Record<string, unknown>;
    const variants = [
      'not json',
      JSON.stringify(valid).slice(0, 40),
      'null',
      '[]',
      JSON.stringify({ ...valid, v: 2 }),
      JSON.stringify({ ...valid, storedAtMs: '1000' }),
      JSON.stringify({ ...valid, modelId: undefined }),
      JSON.stringify({ ...valid, billed: null }),
      JSON.stringify({ ...valid, finishReason: 'stop' }),
      JSON.stringify({ ...valid, answer: { kind: 'stream', events: {} } }),
      JSON.stringify({ ...valid, answer: { kind: 'json', result: { choices: 'x' } } }),
      JSON.stringify({ ...valid, answer: { kind: 'other' } }),
    ];
    for (const text of variants) expect(decodeSharedEntry(text), text).toBeUndefined();
    expect(decodeSharedEntry(JSON.stringify(valid))).toBeDefined();
  });
});

describe('resolveSharedEntry', () => {
  const entry = decodeSharedEntry(encodeSharedEntry(streamCall, times))!;

  it("takes the model and endpoint from the reading node's models, charged 0", () => {
    const other = createTestModel('vendor/other', [{ provider: 'provider-b', prompt: '1', completion: '2' }]);
    const resolved = resolveSharedEntry(entry, [other, model]);
    expect(resolved?.model).toBe(model);
    expect(resolved?.endpoint).toBe(model.endpoints[1]);
    expect(resolved?.billed).toEqual({ ...billed, costNanos: 0n, upstreamCostNanos: 0n });
    expect(resolved?.answer).toEqual(streamCall.answer);
    expect(resolved?.finishReason).toEqual(finishReason);
  });

  it('is a miss when the model, its provider or the upstream model is not among them', () => {
    const onlyA = createTestModel('vendor/model', [{ provider: 'provider-a', prompt: '1', completion: '2' }]);
    expect(resolveSharedEntry(entry, [onlyA])).toBeUndefined();
    expect(resolveSharedEntry({ ...entry, upstreamModel: 'renamed' }, [model])).toBeUndefined();
    expect(resolveSharedEntry({ ...entry, modelId: 'vendor/gone' }, [model])).toBeUndefined();
    expect(resolveSharedEntry(entry, [])).toBeUndefined();
  });
});
