import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Typed prefix, so secret scanners (and people) recognise a Meridian key. */
export const keySecretPrefix = 'sk-mer-v1-';
const randomCharacterCount = 32;
const checksumCharacterCount = 6;
/** Length of a generated key: prefix + random part + checksum. */
export const keySecretLength = keySecretPrefix.length + randomCharacterCount + checksumCharacterCount;
/** The largest multiple of 62 that fits in a byte: bytes at or above it are redrawn, so every character is uniform. */
const unbiasedByteLimit = 248;
const generatedTail = /^[0-9A-Za-z]+$/;

/** `length` uniformly random base62 characters from the CSPRNG (rejection sampling, no modulo bias). */
function createRandomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < unbiasedByteLimit) text += base62Alphabet[byte % 62]!;
      if (text.length === length) break;
    }
  }
  return text;
}

/** `value` in base62, left-padded with '0' to `length` characters. */
function convertToBase62(value: number, length: number): string {
  let text = '';
  let rest = value;
  for (let index = 0; index < length; index += 1) {
    text = base62Alphabet[rest % 62]! + text;
    rest = Math.floor(rest / 62);
  }
  return text;
}

/** CRC-32 of the random part in 6 base62 characters (62^6 > 2^32, so every CRC has its own checksum). */
function createChecksum(randomPart: string): string {
  return convertToBase62(crc32(randomPart), checksumCharacterCount);
}

/**
 * A new API key secret in GitHub's token format: `sk-mer-v1-`, then 32 base62
 * characters from the CSPRNG (≈190.5 bits; 192 random bits would need 33
 * characters, so each character is drawn uniformly instead), then a 6-character
 * base62 CRC-32 of those 32. The prefix lets secret scanners find leaked keys; the
 * checksum lets them (and the gateway) reject a typo or a made-up key offline,
 * before any database lookup.
 */
export function createKeySecret(): string {
  const randomPart = createRandomBase62(randomCharacterCount);
  return `${keySecretPrefix}${randomPart}${createChecksum(randomPart)}`;
}

/**
 * Whether `secret` has the generated format: prefix, length, base62 alphabet
 * and a matching checksum. A one-character typo anywhere fails it.
 */
export function isWellFormedKeySecret(secret: string): boolean {
  if (secret.length !== keySecretLength || !secret.startsWith(keySecretPrefix)) return false;
  const tail = secret.slice(keySecretPrefix.length);
  if (!generatedTail.test(tail)) return false;
  const randomPart = tail.slice(0, randomCharacterCount);
  return createChecksum(randomPart) === tail.slice(randomCharacterCount);
}
