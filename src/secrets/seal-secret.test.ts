import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSecret } from './open-secret.js';
import { sealSecret, secretBytesMax } from './seal-secret.js';
import { SecretError } from './secret-error.js';
import type { SecretErrorCode } from './secret-error.js';
import { readSealedKeyId } from './sealed-secret-format.js';
import { createTestKeyring, testKeyText } from './test-support.js';

const keyring = createTestKeyring(['k2', 2], ['k1', 1]);
const context = { keyring, purpose: 'provider:openai-prod' };
const canary = 'sk-canary-7f3e9c1b5a2d4e6f8091a2b3c4d5e6f7';

function secretError(run: () => unknown): SecretError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    return error as SecretError;
  }
  throw new Error('no error');
}

/** Replaces the character at `index` with another one from the same alphabet. */
function flipCharacter(text: string, index: number): string {
  const character = text[index] ?? '';
  const replacement = character === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('sealSecret / openSecret', () => {
  it.each([
    ['an API key', canary],
    ['an empty secret', ''],
    ['non-ASCII text', 'clé-секрет-密钥-🔑'],
    ['the largest allowed secret', 'x'.repeat(secretBytesMax)],
  ])('round-trips %s', (_name, plaintext) => {
    expect(openSecret(sealSecret(plaintext, context), context)).toBe(plaintext);
  });

  it('writes v1:<keyId>:<iv>:<tag>:<ciphertext> under the current key, ciphertext as long as the plaintext', () => {
    const sealed = sealSecret(canary, context);
    expect(sealed).toMatch(/^v1:k2:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{56}$/);
    expect(Buffer.from(sealed.split(':')[4] ?? '', 'base64url').length).toBe(canary.length);
    expect(readSealedKeyId(sealed)).toBe('k2');
  });

  it('uses a fresh IV for every seal', () => {
    const ivs = new Set(Array.from({ length: 50 }, () => sealSecret(canary, context).split(':')[2]));
    expect(ivs.size).toBe(50);
  });

  it('puts neither the plaintext nor key material in the sealed text', () => {
    const sealed = sealSecret(canary, context);
    for (const hidden of [
      canary,
      canary.slice(0, 8),
      Buffer.from(canary).toString('base64url').slice(0, 12),
      testKeyText(2).slice(0, 12),
      Buffer.alloc(32, 2).toString('base64url').slice(0, 12),
    ]) {
      expect(sealed).not.toContain(hidden);
    }
  });

  it('opens a secret sealed under an older key still in the keyring', () => {
    const sealedUnderK1 = sealSecret(canary, { ...context, keyring: createTestKeyring(['k1', 1]) });
    expect(openSecret(sealedUnderK1, context)).toBe(canary);
  });

  it.each<[string, number, SecretErrorCode]>([
    ['version', 0, 'secret_malformed'],
    ['key id', 1, 'secret_key_unknown'],
    ['iv', 2, 'secret_authentication_failed'],
    ['tag', 3, 'secret_authentication_failed'],
    ['ciphertext', 4, 'secret_authentication_failed'],
  ])('refuses a sealed secret with one character of its %s changed', (_part, partIndex, code) => {
    const parts = sealSecret(canary, context).split(':');
    const part = parts[partIndex] ?? '';
    parts[partIndex] = flipCharacter(part, Math.floor(part.length / 2));
    const error = secretError(() => openSecret(parts.join(':'), context));
    expect(error.code).toBe(code);
    expect(error.message).not.toContain(canary);
  });

  it('refuses any single-character change anywhere in the sealed text', () => {
    const sealed = sealSecret(canary, context);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:='.split('');
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.constantFrom(...alphabet), (index, character) => {
        fc.pre(sealed[index] !== character);
        const changed = sealed.slice(0, index) + character + sealed.slice(index + 1);
        expect(() => openSecret(changed, context)).toThrow(SecretError);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['nothing', ''],
    ['plain text', canary],
    ['too few parts', 'v1:k2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA'],
    ['too many parts', 'v1:k2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA:AAAA'],
    ['an unknown version', 'v2:k2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA'],
    ['a malformed key id', 'v1:k 2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA'],
    ['a short iv', 'v1:k2:AAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA'],
    ['a short tag', 'v1:k2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAA:AAAA'],
    ['padding', 'v1:k2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA'],
    ['standard base64 characters', 'v1:k2:AAAAAAAAAAAAAAA+:AAAAAAAAAAAAAAAAAAAAAA:AAAA'],
  ])('refuses %s as secret_malformed', (_name, sealed) => {
    const error = secretError(() => openSecret(sealed, context));
    expect(error.code).toBe('secret_malformed');
    expect(error.message).toMatch(/^Sealed secret is malformed: /);
    expect(readSealedKeyId(sealed)).toBeUndefined();
  });

  it('does not open a secret for another purpose (a blob copied to another row)', () => {
    const sealed = sealSecret(canary, context);
    const error = secretError(() => openSecret(sealed, { ...context, purpose: 'provider:other' }));
    expect([error.code, error.keyId, error.message]).toEqual([
      'secret_authentication_failed',
      'k2',
      'Sealed secret did not authenticate under key "k2": altered, sealed for another owner, or sealed with another key.',
    ]);
  });

  it('does not open a secret when the id now names a different key', () => {
    const sealed = sealSecret(canary, context);
    const error = secretError(() => openSecret(sealed, { ...context, keyring: createTestKeyring(['k2', 9]) }));
    expect(error.code).toBe('secret_authentication_failed');
  });

  it('names the unknown key id', () => {
    const sealedUnderOld = sealSecret(canary, { ...context, keyring: createTestKeyring(['k0-retired', 5]) });
    const error = secretError(() => openSecret(sealedUnderOld, context));
    expect([error.code, error.keyId, error.message]).toEqual([
      'secret_key_unknown',
      'k0-retired',
      'Sealed secret names key "k0-retired", which the keyring does not hold.',
    ]);
  });

  it('refuses a secret over the size limit without echoing it', () => {
    const error = secretError(() => sealSecret(`${canary}${'x'.repeat(secretBytesMax)}`, context));
    expect([error.code, error.message]).toEqual(['secret_too_large', 'A secret may be at most 65536 bytes.']);
  });
});
