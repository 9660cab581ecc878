import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDataDirectoryProblem, prepareDataDirectory } from './prepare-data-directory.js';

const root = mkdtempSync(join(tmpdir(), 'meridian-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A `checkWritable` that fails as the kernel does, with `code` (root is never refused by permissions: see below). */
const refuseWith = (code: string) => (path: string) => {
  throw Object.assign(new Error(`${code}: refused, access '${path}'`), { code });
};
const uid = process.getuid === undefined ? '' : ` (uid ${process.getuid()})`;

describe('findDataDirectoryProblem', () => {
  it('accepts an existing writable directory and a missing one under a writable parent, creating nothing', () => {
    expect(findDataDirectoryProblem(root)).toBeUndefined();
    expect(findDataDirectoryProblem(join(root, 'new', 'deeper'))).toBeUndefined();
    expect(existsSync(join(root, 'new'))).toBe(false);
  });

  it('names a file where the directory should be, and a file where a parent should be', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(findDataDirectoryProblem(file)).toBe(
      `data_dir ${file} is a file, not a directory: move the file away or set data_dir elsewhere.`,
    );
    expect(findDataDirectoryProblem(join(file, 'data', 'more'))).toBe(
      `data_dir ${file}/data/more cannot be created: ${file} is a file, not a directory; set data_dir to a path under a directory.`,
    );
  });

  it('names a parent that is a symbolic link to nothing (mkdir would fail with ENOENT)', () => {
    const link = join(root, 'dangling');
    symlinkSync(join(root, 'gone', 'away'), link);
    expect(findDataDirectoryProblem(join(link, 'data'))).toBe(
      `data_dir ${link}/data cannot be created: ${link} is a symbolic link to ${root}/gone/away, which does not exist; create ${root}/gone/away or set data_dir elsewhere.`,
    );
  });

  // Permissions and read-only mounts through the injected check: as root (CI containers) chmod denies nothing and a
  // test cannot mount a read-only file system, so the kernel's answers are given as it gives them (EACCES, EROFS).
  it('names a directory this user cannot write, or the parent it would be created in', () => {
    expect(findDataDirectoryProblem(root, { checkWritable: refuseWith('EACCES') })).toBe(
      `data_dir ${root} is not writable by this user${uid}: give the user running Meridian write access to it, or set data_dir elsewhere.`,
    );
    expect(findDataDirectoryProblem(join(root, 'data'), { checkWritable: refuseWith('EACCES') })).toBe(
      `data_dir ${root}/data cannot be created: ${root} is not writable by this user${uid}; create ${root}/data writable by the user running Meridian, or set data_dir elsewhere.`,
    );
  });

  it('names a read-only file system, and any other refusal by its code', () => {
    expect(findDataDirectoryProblem(join(root, 'data'), { checkWritable: refuseWith('EROFS') })).toBe(
      `data_dir ${root}/data is on a read-only file system (${root}): mount a writable volume there or set data_dir elsewhere.`,
    );
    expect(findDataDirectoryProblem(root, { checkWritable: refuseWith('EIO') })).toBe(
      `data_dir ${root} cannot be used: EIO at ${root}; check the path and its permissions, or set data_dir elsewhere.`,
    );
  });
});

describe('prepareDataDirectory', () => {
  it('creates the directory and its parents', () => {
    prepareDataDirectory(join(root, 'made', 'here'));
    expect(existsSync(join(root, 'made', 'here'))).toBe(true);
    mkdirSync(join(root, 'kept'));
    prepareDataDirectory(join(root, 'kept'));
  });

  it('throws the problem as one line and creates nothing', () => {
    expect(() => prepareDataDirectory(join(root, 'denied'), { checkWritable: refuseWith('EACCES') })).toThrow(
      `data_dir ${root}/denied cannot be created: ${root} is not writable by this user${uid};`,
    );
    expect(existsSync(join(root, 'denied'))).toBe(false);
  });
});
