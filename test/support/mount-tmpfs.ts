import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small file system of its own (tmpfs), so a test can fill a disk without filling the machine's. */
export interface Tmpfs {
  readonly path: string;
  /** Free bytes an unprivileged writer may still use. */
  freeBytes(): number;
  unmount(): void;
}

/**
 * Why a size-limited tmpfs cannot be mounted here, or undefined when it can (root with `mount`). With
 * `MERIDIAN_REQUIRE_SERVICES=1` (CI) that is an error instead of a skip.
 */
export function findTmpfsSkipReason(): string | undefined {
  const reason = findMountProblem();
  if (reason === undefined) return undefined;
  if (process.env['MERIDIAN_REQUIRE_SERVICES'] === '1') throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`Skipping disk-full tests: ${reason}.`);
  return reason;
}

function findMountProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  try {
    mountTmpfs(1024 * 1024).unmount();
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs: ${String(error)}`;
  }
}

/** Mounts a tmpfs of `sizeBytes` on a fresh temporary directory. */
export function mountTmpfs(sizeBytes: number): Tmpfs {
  const path = mkdtempSync(join(tmpdir(), 'meridian-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  return {
    path,
    freeBytes: () => {
      const stats = statfsSync(path);
      return stats.bavail * stats.bsize;
    },
    unmount: () => {
      execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

const fillChunkBytes = 64 * 1024;

/**
 * Writes a file at `path` of `bytes` (or, with `undefined`, until the disk is full: ENOSPC ends it), then returns
 * how many bytes it holds.
 */
export function writeFiller(path: string, bytes: number | undefined): number {
  const chunk = Buffer.alloc(fillChunkBytes, 0x61);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    // Bounded: a tmpfs has a size, and `bytes` is finite when given.
    while (bytes === undefined || written < bytes) {
      const length = bytes === undefined ? fillChunkBytes : Math.min(fillChunkBytes, bytes - written);
      try {
        written += writeSync(fd, chunk, 0, length);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC' && bytes === undefined) break;
        throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
