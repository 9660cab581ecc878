import { openSecret } from './open-secret.js';
import type { Keyring } from './keyring.js';
import { sealSecret } from './seal-secret.js';
import type { SecretContext } from './seal-secret.js';
import { SecretError } from './secret-error.js';
import { parseSealedSecret } from './sealed-secret-format.js';

/**
 * The sealed secret under the keyring's current key: opened with the key it names,
 * then sealed again with a fresh IV. One already under the current key is returned as
 * it is, after checking that it opens. Throws SecretError like openSecret.
 */
export function rotateSealed(sealed: string, context: SecretContext): string {
  const { keyId } = parseSealedSecret(sealed);
  const plaintext = openSecret(sealed, context);
  return keyId === context.keyring.currentKeyId ? sealed : sealSecret(plaintext, context);
}

/** One stored secret: a row id for the report, its purpose (owner) and the sealed text. */
export interface SealedRecord {
  readonly id: string;
  readonly purpose: string;
  readonly sealed: string;
}

export interface RotationReport {
  /** Re-sealed under the current key: write these back. */
  readonly rotated: readonly { readonly id: string; readonly sealed: string }[];
  /** Already under the current key and opening fine. */
  readonly unchangedIds: readonly string[];
  /** Could not be opened; left as they are. Nonempty → the old key must not be removed yet. */
  readonly failed: readonly { readonly id: string; readonly error: SecretError }[];
}

/**
 * Re-seals a batch of stored secrets under the current key (`meridian secrets rotate`).
 * One bad record does not stop the others: each lands in exactly one list. Once a
 * rotation reports nothing failed, the old key ids can leave MERIDIAN_MASTER_KEYS.
 */
export function rotateSealedRecords(records: readonly SealedRecord[], keyring: Keyring): RotationReport {
  const rotated: { id: string; sealed: string }[] = [];
  const unchangedIds: string[] = [];
  const failed: { id: string; error: SecretError }[] = [];
  for (const record of records) {
    try {
      const sealed = rotateSealed(record.sealed, { keyring, purpose: record.purpose });
      if (sealed === record.sealed) unchangedIds.push(record.id);
      else rotated.push({ id: record.id, sealed });
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      failed.push({ id: record.id, error });
    }
  }
  return { rotated, unchangedIds, failed };
}
