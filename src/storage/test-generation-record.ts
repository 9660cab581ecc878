import type { GenerationRecord } from './ports.js';

/**
 * A complete generation record for tests: every field set, money above 2^53 so
 * a lossy number conversion would show.
 */
export function createTestGenerationRecord(id: string, overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    id,
    requestId: 'req_1',
    orgId: 'default',
    keyId: 'key_1',
    appReferer: 'https://agent.example',
    appTitle: 'Agent',
    modelId: 'deepseek/deepseek-v3.2',
    author: 'deepseek',
    origin: 'CN',
    providerId: 'deepseek',
    upstreamModel: 'deepseek-chat',
    upstreamId: 'chatcmpl-123',
    isStreaming: true,
    tokensInputTotal: 1200,
    tokensInputCacheRead: 1000,
    tokensInputCacheWrite: 0,
    tokensOutputTotal: 300,
    tokensOutputReasoning: 100,
    isUsageEstimated: false,
    costNanos: 9_007_199_254_740_993n,
    upstreamCostNanos: 210_000n,
    finishReason: 'stop',
    finishReasonRaw: 'stop',
    ending: 'success',
    errorCode: null,
    startedAtMs: 1_795_000_000_000,
    finishedAtMs: 1_795_000_001_234,
    latencyMs: 1234,
    ttftMs: 210,
    throughputTokensPerSecond: 293.26,
    usageRaw: '{"prompt_tokens":1200}',
    ...overrides,
  };
}
