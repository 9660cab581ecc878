import { describe, expect, it } from 'vitest';
import { createKeySecret, isWellFormedKeySecret, keySecretLength } from './create-key-secret.js';

const base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('createKeySecret', () => {
  it('has the typed prefix, 32 random and 6 checksum base62 characters', () => {
    const secret = createKeySecret();
    expect(secret).toMatch(/^sk-mer-v1-[0-9A-Za-z]{38}$/);
    expect(secret.length).toBe(keySecretLength);
    expect(keySecretLength).toBe(48);
    expect(isWellFormedKeySecret(secret)).toBe(true);
  });

  it('draws every base62 character and never repeats a key (200 keys)', () => {
    const secrets = Array.from({ length: 200 }, () => createKeySecret());
    expect(new Set(secrets).size).toBe(200);
    // 6 400 random characters: the chance that one of 62 never shows is below 1e-40.
    const seen = new Set(secrets.flatMap((secret) => [...secret.slice(10, 42)]));
    expect([...seen].sort().join('')).toBe([...base62Alphabet].sort().join(''));
  });
});

describe('isWellFormedKeySecret', () => {
  it.each([
    // CRC-32 of the random part, in 6 base62 digits (checked against Python's zlib.crc32).
    ['sk-mer-v1-000000000000000000000000000000002wjyrI', true],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz0123451HTd0k', true],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz0123451HTd0K', false],
    ['sk-mer-v2-AbCdEfGhIjKlMnOpQrStUvWxYz0123451HTd0k', false],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz0123451HTd0', false],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz0123451HTd0kk', false],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz01234-1HTd0k', false],
    ['sk-mer-v1-AbCdEfGhIjKlMnOpQrStUvWxYz01234é1HTd0k', false],
    ['', false],
  ])('%j → %s', (secret, isWellFormed) => {
    expect(isWellFormedKeySecret(secret)).toBe(isWellFormed);
  });

  it('rejects every one-character typo of a key, at every position', () => {
    const secret = createKeySecret();
    let typoCount = 0;
    for (let index = 0; index < secret.length; index += 1) {
      for (const character of base62Alphabet) {
        if (character === secret[index]) continue;
        const typo = secret.slice(0, index) + character + secret.slice(index + 1);
        expect(isWellFormedKeySecret(typo), typo).toBe(false);
        typoCount += 1;
      }
    }
    // 38 base62 positions and the 7 letters of the prefix have 61 typos each; its 3 dashes have 62.
    expect(typoCount).toBe(45 * 61 + 3 * 62);
  });
});
