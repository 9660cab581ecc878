import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../storage/test-generation-record.js';
import type { Endpoint } from '../catalog/catalog-types.js';
import type { BilledUsage } from '../spec/index.js';
import type { ChatRequest } from '../spec/index.js';
import { tokensPerCallMax } from '../metering/index.js';
import { amendRefusedRecord, buildRecord, createSettlement, findUsageBounds } from './settle-generation.js';
import type { RecordInput } from './settle-generation.js';

const settlement = {
  requestId: 'gen-1',
  chargeNanos: 30_000n,
  attemptCosts: [{ attemptId: 'gen-1:1', providerId: 'deepseek', amount: 20_000n }],
  nowMs: 1_000,
};

describe('amendRefusedRecord (a call whose commit failed, recorded later)', () => {
  it('charges nothing for a JSON answer that was refused, and keeps its upstream cost', () => {
    const refused = amendRefusedRecord(
      record('gen-1', { isStreaming: false, ending: 'success', costNanos: 30_000n, settlement }),
    );
    expect(refused).toMatchObject({
      ending: 'error',
      errorCode: 'ledger_unavailable',
      costNanos: 0n,
      upstreamCostNanos: 210_000n,
      tokensOutputTotal: 300,
      settlement: { ...settlement, chargeNanos: 0n },
    });
  });

  it('ends a stream in the error (its end never went out) and keeps its charge for the output delivered', () => {
    const streamed = record('gen-1', { isStreaming: true, ending: 'success', costNanos: 30_000n, settlement });
    expect(amendRefusedRecord(streamed)).toEqual({ ...streamed, ending: 'error', errorCode: 'ledger_unavailable' });
  });

  it('keeps a call that had already ended otherwise: an error of its own, a client that left', () => {
    const failed = record('gen-1', { isStreaming: false, ending: 'error', errorCode: 'upstream_error', costNanos: 0n });
    expect(amendRefusedRecord(failed)).toBe(failed);
    const abandoned = record('gen-2', { isStreaming: true, ending: 'client_abort', costNanos: 5_000n, settlement });
    expect(amendRefusedRecord(abandoned)).toBe(abandoned);
  });

  it('keeps an answer from the response cache as it was (no money, no hold), with the refusal code', () => {
    const cached = record('gen-3', { isStreaming: false, ending: 'cache', costNanos: 0n, upstreamCostNanos: 0n });
    expect(amendRefusedRecord(cached)).toEqual({ ...cached, errorCode: 'ledger_unavailable' });
  });
});

describe('buildRecord timings: TTFT is a stream’s only', () => {
  const input = {
    call: { requestId: 'req-1', orgId: 'org', keyId: 'key', appReferer: null, appTitle: null, startedAtMs: 10_000 },
    model: { id: 'test/model', author: 'test', origin: 'US' },
    endpoint: { provider: { id: 'fake' }, upstreamModel: 'upstream-model' },
    generationId: 'gen-1',
    upstreamId: undefined,
    finishReason: undefined,
    ending: 'success',
    errorCode: undefined,
    // First output 250 ms after arrival; the answer ends at 12 250 ms, 2 s later.
    firstOutputAtMs: 10_250,
  } as unknown as RecordInput;
  const billed = {
    usage: { inputTokens: {}, outputTokens: {} },
    promptTokens: 20,
    completionTokens: 300,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNanos: 1_000n,
    upstreamCostNanos: 1_000n,
    isEstimated: false,
  } as unknown as BilledUsage;
  const timings = (record: ReturnType<typeof buildRecord>) => ({
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    throughputTokensPerSecond: record.throughputTokensPerSecond,
  });

  it('a stream: from arrival to its first output event, and throughput over the time after it', () => {
    const record = buildRecord({ ...input, isStreaming: true }, billed, 'success', 12_250);
    expect(timings(record)).toEqual({ latencyMs: 2_250, ttftMs: 250, throughputTokensPerSecond: 150 });
  });

  it('a JSON answer: no TTFT and no throughput (unknown, not the latency again), whatever the caller passed', () => {
    const record = buildRecord({ ...input, isStreaming: false }, billed, 'success', 12_250);
    expect(timings(record)).toEqual({ latencyMs: 2_250, ttftMs: null, throughputTokensPerSecond: null });
  });
});

describe('createSettlement (the ledger side of a call)', () => {
  const endpoint = { provider: { id: 'fake-b' } } as Endpoint;
  const served = { costNanos: 16_000n, upstreamCostNanos: 16_000n } as BilledUsage;
  const failed = [{ attemptId: 'gen-1:1', providerId: 'fake-a', amount: 50_000n }];

  it('posts the failed attempts’ upstream costs, then the serving attempt’s; the charge is the serving one’s', () => {
    expect(createSettlement({ generationId: 'gen-1', endpoint, attemptNumber: 2 }, served, 1_000, failed)).toEqual({
      requestId: 'gen-1',
      chargeNanos: 16_000n,
      attemptCosts: [...failed, { attemptId: 'gen-1:2', providerId: 'fake-b', amount: 16_000n }],
      nowMs: 1_000,
    });
  });

  it('a call no attempt served posts only what its failed attempts cost', () => {
    const nothing = { costNanos: 0n, upstreamCostNanos: 0n } as BilledUsage;
    expect(createSettlement({ generationId: 'gen-1', endpoint, attemptNumber: 2 }, nothing, 1_000, failed)).toEqual({
      requestId: 'gen-1',
      chargeNanos: 0n,
      attemptCosts: failed,
      nowMs: 1_000,
    });
  });
});

describe('findUsageBounds (INV-7: what a call could use at most)', () => {
  const request = (fields: Partial<ChatRequest>) =>
    ({ n: undefined, maxOutputTokens: undefined, ...fields }) as ChatRequest;
  const endpoint = (contextLength: number, maxOutputTokens?: number) =>
    ({ contextLength, maxOutputTokens }) as Endpoint;

  it.each([
    [
      'the window, and the request’s output limit per choice',
      request({ maxOutputTokens: 50, n: 2 }),
      endpoint(8_192),
      8_192,
      100,
    ],
    ['the endpoint’s output limit when the request sets none', request({}), endpoint(8_192, 1_024), 8_192, 1_024],
    ['the window for both when neither sets an output limit', request({}), endpoint(8_192), 8_192, 8_192],
    // A passthrough model (a local server's): its window is unknown, so is no bound.
    [
      'only the per-call bound for an unknown window (passthrough)',
      request({}),
      endpoint(0),
      tokensPerCallMax,
      tokensPerCallMax,
    ],
    [
      'the request’s output limit for an unknown window',
      request({ maxOutputTokens: 50 }),
      endpoint(0),
      tokensPerCallMax,
      50,
    ],
  ])('%s', (_name, callRequest, callEndpoint, promptTokensMax, completionTokensMax) => {
    expect(findUsageBounds({ request: callRequest, endpoint: callEndpoint })).toEqual({
      promptTokensMax,
      completionTokensMax,
    });
  });
});
