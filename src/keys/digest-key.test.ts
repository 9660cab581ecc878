import { describe, expect, it } from 'vitest';
import { digestKey } from './digest-key.js';

describe('digestKey', () => {
  it('is HMAC-SHA-256 in hex (RFC 4231 test case 2)', () => {
    expect(digestKey(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('depends on the pepper', () => {
    expect(digestKey(Buffer.alloc(32, 7), 'sk-mer-v1-000')).toBe(
      '9cfb7235d7454d013511cd80c70c1ee239b2251816e21b9113e0b2a45ab27d55',
    );
    expect(digestKey(Buffer.alloc(32, 8), 'sk-mer-v1-000')).not.toBe(
      '9cfb7235d7454d013511cd80c70c1ee239b2251816e21b9113e0b2a45ab27d55',
    );
  });
});
