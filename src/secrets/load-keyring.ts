import type { Keyring } from './keyring.js';
import { parseKeyring } from './parse-keyring.js';

const variableName = 'MERIDIAN_MASTER_KEYS';

/**
 * The master keys from `MERIDIAN_MASTER_KEYS`, kept out of the database so a copy of
 * the database alone opens no provider secret. Undefined when the variable is unset
 * or blank: a gateway whose providers all come from the config file needs no keyring,
 * and callers that do need one fail closed. A value that is set but malformed always
 * throws KeyringError, so a typo stops the gateway at start.
 */
export function loadKeyring(env: Readonly<Record<string, string | undefined>>): Keyring | undefined {
  const value = env[variableName];
  if (value === undefined || value.trim() === '') return undefined;
  return parseKeyring(value, variableName);
}
