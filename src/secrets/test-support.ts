import { parseKeyring } from './parse-keyring.js';
import type { Keyring } from './keyring.js';

/** A fixed test key: byte `fill` repeated 32 times, in standard base64. */
export function testKeyText(fill: number): string {
  return Buffer.alloc(32, fill).toString('base64');
}

/** A keyring of fixed test keys, the first one current: `createTestKeyring(['k2', 2], ['k1', 1])`. */
export function createTestKeyring(...entries: readonly (readonly [string, number])[]): Keyring {
  return parseKeyring(entries.map(([id, fill]) => `${id}:${testKeyText(fill)}`).join(','));
}
