import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyringError } from './keyring-error.js';
import { loadKeyring } from './load-keyring.js';
import { parseKeyring } from './parse-keyring.js';
import { testKeyText } from './test-support.js';

const key1 = testKeyText(1);
const key2 = testKeyText(2);

function keyringError(text: string): KeyringError {
  try {
    parseKeyring(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyringError);
    return error as KeyringError;
  }
  throw new Error('parseKeyring accepted the text');
}

describe('parseKeyring', () => {
  it('reads ids and 32-byte keys, the first one current', () => {
    const keyring = parseKeyring(`k2:${key2}, k1:${key1}`);
    expect(keyring.currentKeyId).toBe('k2');
    expect([...keyring.keys.keys()]).toEqual(['k2', 'k1']);
    expect(keyring.keys.get('k2')?.export()).toEqual(Buffer.alloc(32, 2));
    expect(keyring.keys.get('k1')?.export()).toEqual(Buffer.alloc(32, 1));
  });

  it.each([
    ['standard base64 with padding', Buffer.alloc(32, 0xfb).toString('base64')],
    ['standard base64 without padding', Buffer.alloc(32, 0xfb).toString('base64').replace(/=+$/, '')],
    ['URL-safe base64', Buffer.alloc(32, 0xfb).toString('base64url')],
  ])('accepts %s', (_name, keyText) => {
    expect(parseKeyring(` main-key_1 : ${keyText} \n`).keys.get('main-key_1')?.export()).toEqual(
      Buffer.alloc(32, 0xfb),
    );
  });

  it('never shows key material when inspected or serialised', () => {
    const keyring = parseKeyring(`k2:${key2},k1:${key1}`);
    const shown = inspect(keyring, { depth: 10, showHidden: true }) + JSON.stringify(keyring);
    for (const material of [key1, key2, Buffer.alloc(32, 2).toString('hex')]) expect(shown).not.toContain(material);
    expect(shown).not.toContain('0202020202');
  });

  it.each([
    ['', 'MERIDIAN_MASTER_KEYS: no keys; expected <id>:<base64 key>[,<id>:<base64 key>…].'],
    ['  \n', 'MERIDIAN_MASTER_KEYS: no keys; expected <id>:<base64 key>[,<id>:<base64 key>…].'],
    [`k2:${key2},,k1:${key1}`, 'MERIDIAN_MASTER_KEYS: entry 2 is empty (a stray comma?).'],
    [`k2:${key2},`, 'MERIDIAN_MASTER_KEYS: entry 2 is empty (a stray comma?).'],
    [key1, 'MERIDIAN_MASTER_KEYS: entry 1 has no key id; write <id>:<base64 key>.'],
    [`${key1}:k1`, 'MERIDIAN_MASTER_KEYS: entry 1: the key id must be 1 to 32 of A-Z a-z 0-9 - _.'],
    [`:${key1}`, 'MERIDIAN_MASTER_KEYS: entry 1: the key id must be 1 to 32 of A-Z a-z 0-9 - _.'],
    [`k 1:${key1}`, 'MERIDIAN_MASTER_KEYS: entry 1: the key id must be 1 to 32 of A-Z a-z 0-9 - _.'],
    [`${'k'.repeat(33)}:${key1}`, 'MERIDIAN_MASTER_KEYS: entry 1: the key id must be 1 to 32 of A-Z a-z 0-9 - _.'],
    [
      `k1:${Buffer.alloc(31, 7).toString('base64')}`,
      'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key must be 32 bytes; it decodes to 31.',
    ],
    [
      `k1:${Buffer.alloc(33, 7).toString('base64')}`,
      'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key must be 32 bytes; it decodes to 33.',
    ],
    ['k1:', 'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key must be 32 bytes; it decodes to 0.'],
    [
      `k1:${key1.slice(0, 10)}!${key1.slice(11)}`,
      'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key is not canonical base64.',
    ],
    [`k1:${key1.replace('=', '==')}`, 'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key is not canonical base64.'],
    // The last character carries 2 unused bits; a non-zero value there is not canonical.
    [`k1:${key1.slice(0, 42)}F=`, 'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key is not canonical base64.'],
    [
      `k1:${key1.replace('AQ', 'A+').replace('AQ', 'A_')}`,
      'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key is not canonical base64.',
    ],
    [`k1:${testKeyText(0)}`, 'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key is all zeros (a placeholder?).'],
    [`k1:${key1},k2:${key2},k1:${key2}`, 'MERIDIAN_MASTER_KEYS: key id "k1" appears twice (entries 1 and 3).'],
    [`k1:${key1},k2:${key1}`, 'MERIDIAN_MASTER_KEYS: entries 1 (k1) and 2 (k2) hold the same key.'],
  ])('refuses %j', (text, message) => {
    const error = keyringError(text);
    expect(error.message).toBe(message);
    expect(error.code).toBe('keyring_invalid');
    for (const material of [key1, key2, key1.slice(0, 12), key2.slice(0, 12)]) {
      expect(error.message).not.toContain(material);
    }
  });
});

describe('loadKeyring', () => {
  it('is undefined when MERIDIAN_MASTER_KEYS is unset or blank', () => {
    expect(loadKeyring({})).toBeUndefined();
    expect(loadKeyring({ MERIDIAN_MASTER_KEYS: ' ' })).toBeUndefined();
  });

  it('reads MERIDIAN_MASTER_KEYS when set, and refuses a malformed value', () => {
    expect(loadKeyring({ MERIDIAN_MASTER_KEYS: `k1:${key1}` })?.currentKeyId).toBe('k1');
    expect(() => loadKeyring({ MERIDIAN_MASTER_KEYS: 'k1:c2hvcnQ' })).toThrow(
      'MERIDIAN_MASTER_KEYS: entry 1 (k1): the key must be 32 bytes; it decodes to 5.',
    );
  });
});
