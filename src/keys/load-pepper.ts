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
 * Throws, with one line naming the variable or the file and what to do, when the configured or stored pepper is
 * malformed, shorter than 32 bytes or cannot be read (a directory in its place, no read permission): keys digested
 * with a weak or wrong pepper must not be issued.
 */
export function loadPepper(options: PepperSource): Buffer {
  const existing = readExistingPepper(options);
  if (existing !== undefined) return existing;
  const path = join(options.dataDirectory, pepperFileName);
  return assertPepperLength(path, createPepperFile(options.dataDirectory, path));
}

/** Where the pepper comes from: the environment, else the data directory's file. */
export interface PepperSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dataDirectory: string;
}

/**
 * Throws what {@link loadPepper} would for the pepper a node would use, and creates nothing (`serve --check`): a
 * missing file is no problem, since it is created at the first start.
 */
export function assertPepperUsable(options: PepperSource): void {
  readExistingPepper(options);
}

/** The configured pepper, else the stored one, checked; undefined when neither exists yet. */
function readExistingPepper(options: PepperSource): Buffer | undefined {
  const configured = options.env['MERIDIAN_KEY_PEPPER'];
  if (configured !== undefined && configured.trim() !== '') return parseConfiguredPepper(configured.trim());
  const path = join(options.dataDirectory, pepperFileName);
  const stored = readPepperFile(path);
  return stored === undefined ? undefined : assertPepperLength(path, stored);
}

function assertPepperLength(path: string, stored: Buffer): Buffer {
  if (stored.length < pepperBytesMin) {
    throw new Error(
      `key pepper ${path} holds ${stored.length} bytes; it needs at least ${pepperBytesMin}: ` +
        'restore the original file (keys created with it cannot be checked without it).',
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

/** The stored pepper, or undefined when there is none yet; any other failure to read it is one named line. */
function readPepperFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(describeUnreadablePepper(path, error));
  }
}

/** Why the pepper file cannot be read, and what to do, instead of Node's `EISDIR: illegal operation on a directory`. */
export function describeUnreadablePepper(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  if (code === 'EISDIR') {
    return `key pepper ${path} is a directory, not a file: restore the pepper file there (keys created with it cannot be checked without it), or move the directory away so that a new pepper is created.`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    const user = `this user${process.getuid === undefined ? '' : ` (uid ${process.getuid()})`}`;
    return `key pepper ${path} is not readable by ${user}: give the user running Meridian read access to it (mode 0600, owned by that user).`;
  }
  return `key pepper ${path} cannot be read: ${code}; check the file and its permissions, or set MERIDIAN_KEY_PEPPER.`;
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
    // Another process linked its pepper first; a name that exists and reads as missing is a link to nothing.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readLinkedPepper(path);
    throw error;
  } finally {
    unlinkSync(temporaryPath);
  }
}

function readLinkedPepper(path: string): Buffer {
  const pepper = readPepperFile(path);
  if (pepper === undefined) throw new Error(describeUnreadablePepper(path, { code: 'ENOENT' }));
  return pepper;
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
