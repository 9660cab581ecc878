import { keyIdPattern } from './keyring.js';
import { SecretError } from './secret-error.js';

/**
 * `v1:<keyId>:<iv>:<tag>:<ciphertext>`, the three binary parts in unpadded base64url:
 * printable, one column, no separator inside any part, and the key id readable
 * without the key (rotation counts secrets per key id from it).
 */
export const sealedVersion = 'v1';
/** AES-GCM's standard 96-bit nonce, fresh from the CSPRNG for every seal. */
export const ivBytes = 12;
/** The full 128-bit GCM tag: shorter tags weaken forgery resistance. */
export const tagBytes = 16;

export interface SealedParts {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/** Joins the parts of a sealed secret. */
export function renderSealedSecret(parts: SealedParts): string {
  const { keyId, iv, tag, ciphertext } = parts;
  return [sealedVersion, keyId, iv, tag, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join(':');
}

/**
 * Splits a sealed secret, strictly: five parts, a known version, a well-formed key id,
 * canonical base64url of the right lengths. A non-canonical encoding is refused rather
 * than decoded, so that no two texts open to the same secret.
 */
export function parseSealedSecret(sealed: string): SealedParts {
  const parts = sealed.split(':');
  const [version, keyId = '', ivText = '', tagText = '', ciphertextText = ''] = parts;
  if (parts.length !== 5 || version !== sealedVersion) throw malformed('not a v1 sealed secret');
  if (!keyIdPattern.test(keyId)) throw malformed('the key id is malformed');
  const iv = decodeCanonical(ivText);
  const tag = decodeCanonical(tagText);
  const ciphertext = decodeCanonical(ciphertextText);
  if (iv?.length !== ivBytes || tag?.length !== tagBytes || ciphertext === undefined) {
    throw malformed('a binary part is not canonical base64url of the right length', keyId);
  }
  return { keyId, iv, tag, ciphertext };
}

/** The key id a sealed secret names, without opening it; undefined if the text is not a sealed secret. */
export function readSealedKeyId(sealed: string): string | undefined {
  try {
    return parseSealedSecret(sealed).keyId;
  } catch {
    return undefined;
  }
}

/** The additional authenticated data: binds the ciphertext to its version, key id and purpose. */
export function buildAad(keyId: string, purpose: string): Buffer {
  // The key id cannot contain ':', so this joining is unambiguous.
  return Buffer.from(`${sealedVersion}:${keyId}:${purpose}`, 'utf8');
}

function decodeCanonical(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url');
  return decoded.toString('base64url') === text ? decoded : undefined;
}

function malformed(problem: string, keyId?: string): SecretError {
  return new SecretError({ code: 'secret_malformed', message: `Sealed secret is malformed: ${problem}.`, keyId });
}
