/** Why a secret cannot be sealed or opened. Stable strings, for logs and the rotation report. */
export type SecretErrorCode =
  /** Not a sealed secret of a known version: truncated, wrong column, hand-edited. */
  | 'secret_malformed'
  /** Sealed under a key id the keyring does not hold (removed too early, or another deployment's). */
  | 'secret_key_unknown'
  /** The authentication tag does not match: altered, copied to another owner, or a different key under that id. */
  | 'secret_authentication_failed'
  /** The plaintext is over the size limit. */
  | 'secret_too_large';

/**
 * A secret that cannot be sealed or opened. Callers fail closed: no request goes out
 * with a secret that did not open. The message holds at most the key id, never
 * plaintext, key material or the sealed text.
 */
export class SecretError extends Error {
  readonly code: SecretErrorCode;
  /** The key id the sealed secret names, when it could be read. */
  readonly keyId: string | undefined;

  constructor(options: { readonly code: SecretErrorCode; readonly message: string; readonly keyId?: string }) {
    super(options.message);
    this.name = 'SecretError';
    this.code = options.code;
    this.keyId = options.keyId;
  }
}
