import type { KeyObject } from 'node:crypto';

/**
 * The master keys that seal provider secrets. Keys are KeyObjects, which never print
 * their bytes: logging or inspecting a keyring by mistake leaks nothing.
 */
export interface Keyring {
  /** New seals always use this key (the first one configured). */
  readonly currentKeyId: string;
  /** Every key that may still open a secret: the current one and those being rotated out. */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/** AES-256 needs exactly 32 bytes of key. */
export const masterKeyBytes = 32;

/** Key ids appear in every sealed secret: short, and free of the `:` and `,` separators. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
