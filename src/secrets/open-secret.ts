import { createDecipheriv } from 'node:crypto';
import type { SecretContext } from './seal-secret.js';
import { SecretError } from './secret-error.js';
import { buildAad, parseSealedSecret, tagBytes } from './sealed-secret-format.js';

/**
 * Decrypts a sealed secret with the key its id names. Fails closed with SecretError
 * — `secret_malformed`, `secret_key_unknown` (naming the id) or
 * `secret_authentication_failed` — and never returns a partly verified plaintext:
 * GCM's tag is checked before anything is handed back.
 */
export function openSecret(sealed: string, context: SecretContext): string {
  const { keyId, iv, tag, ciphertext } = parseSealedSecret(sealed);
  const key = context.keyring.keys.get(keyId);
  if (key === undefined) {
    throw new SecretError({
      code: 'secret_key_unknown',
      message: `Sealed secret names key "${keyId}", which the keyring does not hold.`,
      keyId,
    });
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  decipher.setAAD(buildAad(keyId, context.purpose));
  decipher.setAuthTag(tag);
  const data = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    data.fill(0);
    throw new SecretError({
      code: 'secret_authentication_failed',
      message: `Sealed secret did not authenticate under key "${keyId}": altered, sealed for another owner, or sealed with another key.`,
      keyId,
    });
  }
  const plaintext = data.toString('utf8');
  data.fill(0);
  return plaintext;
}
