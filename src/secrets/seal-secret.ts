import { strict as assert } from 'node:assert';
import { createCipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';
import { SecretError } from './secret-error.js';
import { buildAad, ivBytes, renderSealedSecret, tagBytes } from './sealed-secret-format.js';

/** What a sealed secret is bound to: the keyring that seals it and the owner it belongs to. */
export interface SecretContext {
  readonly keyring: Keyring;
  /**
   * The secret's owner, e.g. `provider:<id>`. Authenticated with the ciphertext: a
   * sealed secret copied to another row (another provider, another org) does not open.
   */
  readonly purpose: string;
}

/** Provider API keys are a few hundred bytes; anything near this is a mistake, not a key. */
export const secretBytesMax = 64 * 1024;

/**
 * Encrypts a secret for storage with AES-256-GCM under the keyring's current key,
 * with a fresh random 96-bit IV, bound to `context.purpose`. The result
 * (`v1:<keyId>:<iv>:<tag>:<ciphertext>`) holds no plaintext and no key material;
 * its length reveals the secret's length, as any cipher without padding does.
 */
export function sealSecret(plaintext: string, context: SecretContext): string {
  const { keyring, purpose } = context;
  assert(purpose !== '', 'A sealed secret needs a purpose (its owner).');
  const data = Buffer.from(plaintext, 'utf8');
  if (data.length > secretBytesMax) {
    throw new SecretError({ code: 'secret_too_large', message: `A secret may be at most ${secretBytesMax} bytes.` });
  }
  const keyId = keyring.currentKeyId;
  const key = keyring.keys.get(keyId);
  assert(key !== undefined, 'The keyring holds its current key.');
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  cipher.setAAD(buildAad(keyId, purpose));
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  data.fill(0);
  return renderSealedSecret({ keyId, iv, tag: cipher.getAuthTag(), ciphertext });
}
