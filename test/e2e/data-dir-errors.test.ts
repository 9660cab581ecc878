import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { findTmpfsSkipReason, mountTmpfs } from '../support/mount-tmpfs.js';

/**
 * A `data_dir` the node cannot use stops `serve`, `serve --check` and the storage commands with one line on stderr
 * naming the path, the problem and what to do, exit code 1, nothing on stdout and no stack trace (before: Node's
 * `EEXIST: file already exists, mkdir …` or `ENOTDIR: …, open '…/key-pepper'`, and `serve --check` said valid).
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'meridian-data-dir-'));
afterAll(() => {
  chmodSync(join(directory, 'locked'), 0o700);
  rmSync(directory, { recursive: true, force: true });
});

function run(
  args: readonly string[],
  dataDirectory: string,
  databasePath = `${directory}/db/meridian.db`,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = join(directory, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(config, `data_dir: "${dataDirectory}"\nstorage: { url: "sqlite:${databasePath}" }\n`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [mainPath, ...args, '--config', config],
      { env: { PATH: process.env['PATH'] ?? '', MERIDIAN_LOG_LEVEL: 'silent' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ code: error === null ? 0 : typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

const file = join(directory, 'a-file');
writeFileSync(file, 'not a directory');
const link = join(directory, 'dangling');
symlinkSync(join(directory, 'missing-target'), link);
mkdirSync(join(directory, 'locked'));
chmodSync(join(directory, 'locked'), 0o500);
// Root is not refused by a directory's mode: there the unwritable case is a parent that is a file (ENOTDIR), which
// fails for every user; the EACCES message itself is asserted in src/cli/prepare-data-directory.test.ts.
const isRoot = process.getuid?.() === 0;
const uid = process.getuid === undefined ? '' : ` (uid ${process.getuid()})`;

const cases: readonly { name: string; dataDirectory: string; line: string }[] = [
  {
    name: 'a file where the directory should be (EEXIST)',
    dataDirectory: file,
    line: `meridian: data_dir ${file} is a file, not a directory: move the file away or set data_dir elsewhere.`,
  },
  {
    name: 'a path under a regular file (ENOTDIR)',
    dataDirectory: join(file, 'data'),
    line: `meridian: data_dir ${file}/data cannot be created: ${file} is a file, not a directory; set data_dir to a path under a directory.`,
  },
  {
    name: 'a parent that is a symbolic link to nothing (ENOENT)',
    dataDirectory: join(link, 'data'),
    line: `meridian: data_dir ${link}/data cannot be created: ${link} is a symbolic link to ${directory}/missing-target, which does not exist; create ${directory}/missing-target or set data_dir elsewhere.`,
  },
  isRoot
    ? {
        name: 'an unwritable parent (as root: a file, see above)',
        dataDirectory: join(file, 'x', 'data'),
        line: `meridian: data_dir ${file}/x/data cannot be created: ${file} is a file, not a directory; set data_dir to a path under a directory.`,
      }
    : {
        name: 'an unwritable parent (EACCES)',
        dataDirectory: join(directory, 'locked', 'data'),
        line: `meridian: data_dir ${directory}/locked/data cannot be created: ${directory}/locked is not writable by this user${uid}; create ${directory}/locked/data writable by the user running Meridian, or set data_dir elsewhere.`,
      },
];

describe('a data_dir the node cannot use', () => {
  for (const { name, dataDirectory, line } of cases) {
    for (const args of [
      ['serve', '--port', '0'],
      ['serve', '--check'],
      ['keys', 'list'],
      ['ledger', 'verify'],
    ]) {
      it(`${name}: \`meridian ${args.join(' ')}\` prints one line and exits 1`, async () => {
        expect(await run(args, dataDirectory)).toEqual({ code: 1, stdout: '', stderr: `${line}\n` });
      });
    }
  }

  // The embedded database's own directory (storage.url) is looked at the same way, `migrate` included.
  for (const args of [['serve', '--port', '0'], ['serve', '--check'], ['keys', 'list'], ['migrate']]) {
    it(`storage.url under a regular file: \`meridian ${args.join(' ')}\` prints one line and exits 1`, async () => {
      expect(await run(args, join(directory, 'data'), join(file, 'db', 'meridian.db'))).toEqual({
        code: 1,
        stdout: '',
        stderr: `meridian: storage.url's directory ${file}/db cannot be created: ${file} is a file, not a directory; set storage.url to a path under a directory.\n`,
      });
    });
  }

  it('is not created by serve --check', async () => {
    expect((await run(['serve', '--check'], join(directory, 'fresh'))).code).toBe(0);
    expect(existsSync(join(directory, 'fresh'))).toBe(false);
  });
});

/**
 * A key pepper file the node cannot use stops the same commands the same way (before: Node's `EISDIR: illegal
 * operation on a directory, read`, and `serve --check` said valid even for a short one). Root reads any file whatever
 * its mode, so the unreadable case is a directory in the file's place; the EACCES message is asserted in
 * src/keys/load-pepper.test.ts.
 */
describe('a key pepper file the node cannot use', () => {
  const pepperCases: readonly { name: string; write: (path: string) => void; line: (path: string) => string }[] = [
    {
      name: 'a directory in its place (EISDIR)',
      write: (path) => mkdirSync(path),
      line: (path) =>
        `meridian: key pepper ${path} is a directory, not a file: restore the pepper file there (keys created with it cannot be checked without it), or move the directory away so that a new pepper is created.`,
    },
    {
      name: 'an empty file',
      write: (path) => writeFileSync(path, ''),
      line: (path) =>
        `meridian: key pepper ${path} holds 0 bytes; it needs at least 32: restore the original file (keys created with it cannot be checked without it).`,
    },
    {
      name: 'a file too short',
      write: (path) => writeFileSync(path, Buffer.alloc(31, 7)),
      line: (path) =>
        `meridian: key pepper ${path} holds 31 bytes; it needs at least 32: restore the original file (keys created with it cannot be checked without it).`,
    },
  ];
  for (const [index, { name, write, line }] of pepperCases.entries()) {
    const dataDirectory = join(directory, `pepper-${index}`);
    mkdirSync(dataDirectory);
    write(join(dataDirectory, 'key-pepper'));
    for (const args of [
      ['serve', '--port', '0'],
      ['serve', '--check'],
      ['keys', 'list'],
    ]) {
      it(`${name}: \`meridian ${args.join(' ')}\` prints one line and exits 1`, async () => {
        expect(await run(args, dataDirectory)).toEqual({
          code: 1,
          stdout: '',
          stderr: `${line(join(dataDirectory, 'key-pepper'))}\n`,
        });
      });
    }
  }
});

// A real read-only file system: a small tmpfs remounted read-only (root with `mount`, as the disk-full tests; an error
// rather than a skip with MERIDIAN_REQUIRE_SERVICES=1). Root is refused by a read-only mount, unlike by a mode.
const tmpfsSkipReason = findTmpfsSkipReason();

describe.skipIf(tmpfsSkipReason !== undefined)('a data_dir on a read-only file system (EROFS)', () => {
  for (const args of [
    ['serve', '--port', '0'],
    ['serve', '--check'],
    ['keys', 'list'],
  ]) {
    it(`\`meridian ${args.join(' ')}\` prints one line and exits 1`, async () => {
      const disk = mountTmpfs(1024 * 1024);
      try {
        execFileSync('mount', ['-o', 'remount,ro', disk.path], { stdio: 'pipe' });
        expect(await run(args, join(disk.path, 'data'))).toEqual({
          code: 1,
          stdout: '',
          stderr: `meridian: data_dir ${disk.path}/data is on a read-only file system (${disk.path}): mount a writable volume there or set data_dir elsewhere.\n`,
        });
      } finally {
        disk.unmount();
      }
    });
  }
});
