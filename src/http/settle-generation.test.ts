import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../storage/test-generation-record.js';
import { amendRefusedRecord } from './settle-generation.js';

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
