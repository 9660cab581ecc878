import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Typed prefix so secret scanners (and people) recognise Meridian keys. */
export const keySecretPrefix = 'sk-mer-v1-';
const randomLength = 32;
const checksumLength = 6;

function toBase62(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  for (let index = 0; index < length; index += 1) {
    text = alphabet[Number(rest % 62n)]! + text;
    rest /= 62n;
  }
  return text;
}

/** CRC-32 (IEEE) of a string's UTF-8 bytes. */
function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function checksumOf(body: string): string {
  return toBase62(BigInt(crc32(body)), checksumLength);
}

/**
 * A new API key: `sk-mer-v1-` + 32 base62 characters from 192 random bits + a
 * 6-character CRC-32 checksum (GitHub's token format), so a typo is rejected
 * before any lookup and scanners can verify a leaked key is one of ours.
 */
export function createKeySecret(): string {
  const body = toBase62(BigInt(`0x${randomBytes(24).toString('hex')}`), randomLength);
  return `${keySecretPrefix}${body}${checksumOf(body)}`;
}

/** Whether `secret` has the generated format with a valid checksum. */
export function isWellFormedKeySecret(secret: string): boolean {
  if (!secret.startsWith(keySecretPrefix) || secret.length !== keySecretPrefix.length + randomLength + checksumLength)
    return false;
  const body = secret.slice(keySecretPrefix.length, keySecretPrefix.length + randomLength);
  const checksum = secret.slice(keySecretPrefix.length + randomLength);
  if (![...body].every((character) => alphabet.includes(character))) return false;
  return checksumOf(body) === checksum;
}
