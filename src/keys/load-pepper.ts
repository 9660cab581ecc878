import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Length of a generated pepper, and the least a configured one must have. */
export const pepperBytesMin = 32;
const pepperFileName = 'key-pepper';
const hexText = /^(?:[0-9a-fA-F]{2})+$/;
const base64Text = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The HMAC key of the key digests. It lives outside the database, so a copy of
 * the database alone (a leaked backup) cannot be used to test guessed keys.
 *
 * - `MERIDIAN_KEY_PEPPER` when set: hex (tried first) or base64, at least 32
 *   bytes. Several nodes sharing one database must share this value.
 * - Otherwise `<dataDirectory>/key-pepper`: read if it exists, else created once
 *   with 32 random bytes and mode 0600. The file is written under a temporary name,
 *   fsync'd, then hard-linked into place, so a crash never leaves a short pepper and
 *   two processes starting at once end up with the same one.
 *
 * Throws when the configured or stored pepper is malformed or shorter than 32
 * bytes: keys digested with a weak or wrong pepper must not be issued.
 */
export function loadPepper(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dataDirectory: string;
}): Buffer {
  const configured = options.env['MERIDIAN_KEY_PEPPER'];
  if (configured !== undefined && configured.trim() !== '') return parseConfiguredPepper(configured.trim());
  const path = join(options.dataDirectory, pepperFileName);
  const stored = readPepperFile(path) ?? createPepperFile(options.dataDirectory, path);
  if (stored.length < pepperBytesMin) {
    throw new Error(
      `${path} holds ${stored.length} bytes; a key pepper needs at least ${pepperBytesMin}. ` +
        'Restore the original file: keys created with it cannot be checked without it.',
    );
  }
  return stored;
}

function parseConfiguredPepper(text: string): Buffer {
  let pepper: Buffer | undefined;
  if (hexText.test(text)) pepper = Buffer.from(text, 'hex');
  // Node's base64 decoder also reads the URL-safe alphabet.
  else if (base64Text.test(text)) pepper = Buffer.from(text, 'base64');
  if (pepper === undefined || pepper.length < pepperBytesMin) {
    throw new Error(`MERIDIAN_KEY_PEPPER must encode at least ${pepperBytesMin} bytes, in hex or base64.`);
  }
  return pepper;
}

function readPepperFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function createPepperFile(directory: string, path: string): Buffer {
  mkdirSync(directory, { recursive: true });
  const pepper = randomBytes(pepperBytesMin);
  const temporaryPath = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const descriptor = openSync(temporaryPath, 'wx', 0o600);
  try {
    writeSync(descriptor, pepper);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    // link() fails if the name exists: the first process to link wins, the others read its pepper.
    linkSync(temporaryPath, path);
    syncDirectory(directory);
    return pepper;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path);
    throw error;
  } finally {
    unlinkSync(temporaryPath);
  }
}

/** Makes the new directory entry durable (Linux, macOS); platforms that cannot fsync a directory skip it. */
function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Best effort: the pepper itself is already fsync'd.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
