import type { KeyRecord } from './ports.js';

/** A member key of org `default` with no limits, its digest derived from the id; `overrides` replace fields. */
export function createKeyRecord(id: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    orgId: 'default',
    name: 'ci',
    role: 'member',
    digest: id.padEnd(64, '0'),
    displayPrefix: 'sk-mer-v1-abcd',
    lastFour: 'wxyz',
    createdAtMs: 5,
    revokedAtMs: null,
    limitNanos: null,
    limitReset: 'none',
    isDisabled: false,
    expiresAtMs: null,
    allowedModels: null,
    rateLimits: { requestsPerMinute: null, tokensPerMinute: null, concurrencyMax: null },
    ...overrides,
  };
}
