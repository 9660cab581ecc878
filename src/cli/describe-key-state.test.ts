import { describe, expect, it } from 'vitest';
import { createKeyRecord } from '../storage/key-record-test-support.js';
import { describeKeyState } from './keys-commands.js';

describe('describeKeyState (keys list)', () => {
  it('names why a key authenticates to nothing: revoked first, then expired, then disabled', () => {
    const nowMs = Date.UTC(2026, 11, 2);
    const state = (fields: Parameters<typeof createKeyRecord>[1]) =>
      describeKeyState(createKeyRecord('k', fields), nowMs);
    expect(state({})).toBe('active');
    expect(state({ expiresAtMs: nowMs + 1 })).toBe('active');
    expect(state({ expiresAtMs: nowMs })).toBe('expired');
    expect(state({ isDisabled: true })).toBe('disabled');
    expect(state({ isDisabled: true, expiresAtMs: nowMs - 1 })).toBe('expired');
    expect(state({ isDisabled: true, expiresAtMs: nowMs - 1, revokedAtMs: 5 })).toBe('revoked');
  });
});
