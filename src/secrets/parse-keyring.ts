import { createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { keyIdPattern, masterKeyBytes } from './keyring.js';
import type { Keyring } from './keyring.js';
import { KeyringError } from './keyring-error.js';

interface ParsedEntry {
  readonly id: string;
  readonly material: Buffer;
  readonly position: number;
}

/**
 * Reads a keyring written as `k2:<base64 of 32 bytes>,k1:<…>`: the first key is the
 * current one, the others only open older secrets until rotation has moved them.
 * Strict, because a wrong key is worse than none: every entry needs a valid id and
 * exactly 32 bytes in canonical base64 (standard or URL-safe, padding optional); ids
 * may not repeat, two ids may not share one key, and an all-zero key is refused as a
 * placeholder. Errors name the variable, the entry's position and its id (when the id
 * itself is well-formed) — never key material.
 */
export function parseKeyring(text: string, variableName = 'MERIDIAN_MASTER_KEYS'): Keyring {
  const fail = (problem: string): never => {
    throw new KeyringError(`${variableName}: ${problem}`);
  };
  if (text.trim() === '') fail('no keys; expected <id>:<base64 key>[,<id>:<base64 key>…].');
  const entries = text.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1, fail));
  assertDistinct(entries, fail);
  const keys = new Map<string, KeyObject>();
  for (const entry of entries) {
    keys.set(entry.id, createSecretKey(entry.material));
    // The KeyObject holds its own copy; do not leave one more in the heap.
    entry.material.fill(0);
  }
  return { currentKeyId: entries[0]?.id ?? fail('no keys.'), keys };
}

function parseEntry(entry: string, position: number, fail: (problem: string) => never): ParsedEntry {
  if (entry === '') fail(`entry ${position} is empty (a stray comma?).`);
  const separator = entry.indexOf(':');
  if (separator === -1) fail(`entry ${position} has no key id; write <id>:<base64 key>.`);
  const id = entry.slice(0, separator).trim();
  // A malformed id is not echoed: it may be a key pasted in the wrong place.
  if (!keyIdPattern.test(id)) fail(`entry ${position}: the key id must be 1 to 32 of A-Z a-z 0-9 - _.`);
  const material = decodeBase64(entry.slice(separator + 1).trim());
  const label = `entry ${position} (${id})`;
  if (material === undefined) fail(`${label}: the key is not canonical base64.`);
  else if (material.length !== masterKeyBytes) {
    fail(`${label}: the key must be ${masterKeyBytes} bytes; it decodes to ${material.length}.`);
  } else if (material.every((byte) => byte === 0)) fail(`${label}: the key is all zeros (a placeholder?).`);
  return { id, material: material ?? Buffer.alloc(0), position };
}

/** Standard or URL-safe base64, padded or not; undefined unless re-encoding gives back the same text. */
function decodeBase64(text: string): Buffer | undefined {
  const unpadded = text.replace(/={1,2}$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  const isStandard = /^[A-Za-z0-9+/]*$/.test(unpadded);
  const isUrlSafe = /^[A-Za-z0-9_-]*$/.test(unpadded);
  if (!isStandard && !isUrlSafe) return undefined;
  if (unpadded !== text && text.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(unpadded, isStandard ? 'base64' : 'base64url');
  const encoded = decoded.toString(isStandard ? 'base64' : 'base64url').replace(/=+$/, '');
  return encoded === unpadded ? decoded : undefined;
}

function assertDistinct(entries: readonly ParsedEntry[], fail: (problem: string) => never): void {
  entries.forEach((entry, index) => {
    for (const earlier of entries.slice(0, index)) {
      if (earlier.id === entry.id) {
        fail(`key id "${entry.id}" appears twice (entries ${earlier.position} and ${entry.position}).`);
      }
      if (earlier.material.equals(entry.material)) {
        fail(`entries ${earlier.position} (${earlier.id}) and ${entry.position} (${entry.id}) hold the same key.`);
      }
    }
  });
}
