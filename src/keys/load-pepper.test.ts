import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPepperUsable, describeUnreadablePepper, loadPepper } from './load-pepper.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function createDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-pepper-'));
  directories.push(directory);
  return directory;
}

describe('loadPepper', () => {
  it('creates a 32-byte pepper file with mode 0600 once and reuses it', () => {
    const dataDirectory = join(createDirectory(), 'data');
    const first = loadPepper({ env: {}, dataDirectory });
    const path = join(dataDirectory, 'key-pepper');
    expect(first.length).toBe(32);
    expect(readFileSync(path)).toEqual(first);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDirectory)).toEqual(['key-pepper']);
    expect(loadPepper({ env: {}, dataDirectory })).toEqual(first);
    expect(loadPepper({ env: { MERIDIAN_KEY_PEPPER: '' }, dataDirectory })).toEqual(first);
  });

  it('reads an existing pepper file as it is', () => {
    const dataDirectory = createDirectory();
    writeFileSync(join(dataDirectory, 'key-pepper'), Buffer.alloc(48, 3), { mode: 0o600 });
    expect(loadPepper({ env: {}, dataDirectory })).toEqual(Buffer.alloc(48, 3));
  });

  it('refuses a pepper file shorter than 32 bytes', () => {
    const dataDirectory = createDirectory();
    writeFileSync(join(dataDirectory, 'key-pepper'), Buffer.alloc(16, 3), { mode: 0o600 });
    expect(() => loadPepper({ env: {}, dataDirectory })).toThrow('holds 16 bytes');
  });

  it.each([
    ['hex', 'ab'.repeat(32), Buffer.alloc(32, 0xab)],
    ['upper-case hex', 'AB'.repeat(40), Buffer.alloc(40, 0xab)],
    ['base64', Buffer.alloc(32, 0xfb).toString('base64'), Buffer.alloc(32, 0xfb)],
    ['URL-safe base64', Buffer.alloc(33, 0xfb).toString('base64url'), Buffer.alloc(33, 0xfb)],
    ['hex with surrounding spaces', ` ${'01'.repeat(32)}\n`, Buffer.alloc(32, 1)],
  ])('prefers MERIDIAN_KEY_PEPPER in %s and creates no file', (_name, value, pepper) => {
    const dataDirectory = createDirectory();
    expect(loadPepper({ env: { MERIDIAN_KEY_PEPPER: value }, dataDirectory })).toEqual(pepper);
    expect(readdirSync(dataDirectory)).toEqual([]);
  });

  it.each([
    ['short hex', 'abcd'],
    ['short base64', Buffer.alloc(31, 1).toString('base64')],
    ['not hex nor base64', `${'x'.repeat(40)}!!`],
  ])('refuses a MERIDIAN_KEY_PEPPER that is %s', (_name, value) => {
    expect(() => loadPepper({ env: { MERIDIAN_KEY_PEPPER: value }, dataDirectory: createDirectory() })).toThrow(
      'at least 32 bytes',
    );
  });
});

describe('a pepper file that cannot be read', () => {
  it('names a directory in its place, and creates nothing', () => {
    const dataDirectory = createDirectory();
    const path = join(dataDirectory, 'key-pepper');
    mkdirSync(path);
    const line = `key pepper ${path} is a directory, not a file: restore the pepper file there (keys created with it cannot be checked without it), or move the directory away so that a new pepper is created.`;
    expect(() => loadPepper({ env: {}, dataDirectory })).toThrow(new Error(line));
    expect(() => assertPepperUsable({ env: {}, dataDirectory })).toThrow(new Error(line));
    expect(readdirSync(path)).toEqual([]);
  });

  it('names a permission refusal whoever runs the tests (root reads any file, so the case below skips for root)', () => {
    const refused = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(describeUnreadablePepper('/data/key-pepper', refused)).toBe(
      `key pepper /data/key-pepper is not readable by this user (uid ${process.getuid?.()}): give the user running Meridian read access to it (mode 0600, owned by that user).`,
    );
  });

  // Root reads any file whatever its mode.
  it.skipIf(process.getuid?.() === 0)('names a file this user may not read (EACCES)', () => {
    const dataDirectory = createDirectory();
    const path = join(dataDirectory, 'key-pepper');
    writeFileSync(path, Buffer.alloc(32, 1), { mode: 0o000 });
    try {
      expect(() => loadPepper({ env: {}, dataDirectory })).toThrow(
        new Error(
          `key pepper ${path} is not readable by this user (uid ${process.getuid?.()}): give the user running Meridian read access to it (mode 0600, owned by that user).`,
        ),
      );
    } finally {
      chmodSync(path, 0o600);
    }
  });
});

describe('assertPepperUsable (serve --check)', () => {
  it('accepts a missing file (the start creates it) and creates nothing', () => {
    const dataDirectory = createDirectory();
    expect(() => assertPepperUsable({ env: {}, dataDirectory })).not.toThrow();
    expect(readdirSync(dataDirectory)).toEqual([]);
  });

  it('refuses what loadPepper refuses: a short file, a malformed MERIDIAN_KEY_PEPPER', () => {
    const dataDirectory = createDirectory();
    expect(() => assertPepperUsable({ env: { MERIDIAN_KEY_PEPPER: 'abcd' }, dataDirectory })).toThrow(
      'MERIDIAN_KEY_PEPPER must encode at least 32 bytes, in hex or base64.',
    );
    writeFileSync(join(dataDirectory, 'key-pepper'), Buffer.alloc(16, 3), { mode: 0o600 });
    expect(() => assertPepperUsable({ env: {}, dataDirectory })).toThrow(
      `key pepper ${join(dataDirectory, 'key-pepper')} holds 16 bytes; it needs at least 32`,
    );
  });
});
