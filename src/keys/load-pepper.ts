import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pepperBytes = 32;

/**
 * The HMAC key for key digests, kept outside the database: `MERIDIAN_KEY_PEPPER`
 * (hex or base64, ≥ 32 bytes) when set, else `<dataDirectory>/key-pepper`, created
 * once with 32 random bytes and mode 0600. A database copied without it cannot
 * be used to check guessed keys.
 */
export function loadPepper(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dataDirectory: string;
}): Buffer {
  const fromEnv = options.env['MERIDIAN_KEY_PEPPER'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const decoded = /^[0-9a-fA-F]+$/.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (decoded.length < pepperBytes)
      throw new Error(`MERIDIAN_KEY_PEPPER must encode at least ${pepperBytes} bytes (hex or base64).`);
    return decoded;
  }
  const path = join(options.dataDirectory, 'key-pepper');
  if (existsSync(path)) return readFileSync(path);
  mkdirSync(options.dataDirectory, { recursive: true });
  const pepper = randomBytes(pepperBytes);
  writeFileSync(path, pepper, { mode: 0o600, flag: 'wx' });
  return pepper;
}
