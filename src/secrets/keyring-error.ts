/**
 * The master key configuration is unusable. The message says which entry and what is
 * wrong with it, and never contains key material: it ends up in logs and terminals.
 */
export class KeyringError extends Error {
  readonly code = 'keyring_invalid' as const;

  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}
