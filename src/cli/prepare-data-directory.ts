import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Throws (as `accessSync` does) when the directory cannot be written or entered by this process. */
export type CheckWritable = (path: string) => void;

const checkWritableDefault: CheckWritable = (path) => accessSync(path, constants.W_OK | constants.X_OK);

/** Which directory is looked at, for the messages: how to call it, and the setting that moves it. */
export interface DirectoryRole {
  readonly name: string;
  readonly setting: string;
}

export const dataDirectoryRole: DirectoryRole = { name: 'data_dir', setting: 'data_dir' };
/** The directory an embedded database file (`storage.url: sqlite:<path>`) is created in. */
export const databaseDirectoryRole: DirectoryRole = { name: "storage.url's directory", setting: 'storage.url' };

interface DirectoryOptions {
  /** data_dir unless told. */
  readonly role?: DirectoryRole;
  readonly checkWritable?: CheckWritable;
}

/**
 * Creates the node's data directory (`data_dir`, or the database's) unless it exists. A path that cannot serve as one
 * stops the command with one line naming the path, the problem and what to do, instead of Node's `EACCES: permission
 * denied, mkdir …` (or `ENOTDIR`, `EEXIST`, `EROFS`) from whichever file happened to be opened first.
 */
export function prepareDataDirectory(path: string, options: DirectoryOptions = {}): void {
  assertDataDirectoryUsable(path, options);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    // Changed between the check and the creation, or a case the check does not know: still named, still one line.
    throw new Error(describeOtherError({ path, existing: path, role: options.role ?? dataDirectoryRole }, error));
  }
}

/** Throws the problem `findDataDirectoryProblem` finds; creates nothing (`serve --check` and read-only commands). */
export function assertDataDirectoryUsable(path: string, options: DirectoryOptions = {}): void {
  const problem = findDataDirectoryProblem(path, options);
  if (problem !== undefined) throw new Error(problem);
}

/**
 * What stops `path` from being the data directory, or undefined: the path (or a parent) is a file, a parent is a
 * symbolic link to nothing, or the directory (or, when it does not exist yet, its nearest existing parent) cannot be
 * written: permissions, or a read-only file system. Creates nothing.
 */
export function findDataDirectoryProblem(path: string, options: DirectoryOptions = {}): string | undefined {
  const role = options.role ?? dataDirectoryRole;
  const checkWritable = options.checkWritable ?? checkWritableDefault;
  let existing = path;
  for (;;) {
    const kind = readKind(existing);
    if (kind.type === 'directory') break;
    const subject = `${role.name} ${path}`;
    if (kind.type === 'error') return describeOtherError({ path, existing, role }, kind.error);
    if (kind.type === 'file') {
      return existing === path
        ? `${subject} is a file, not a directory: move the file away or set ${role.setting} elsewhere.`
        : `${subject} cannot be created: ${existing} is a file, not a directory; set ${role.setting} to a path under a directory.`;
    }
    if (kind.type === 'dangling-link') {
      return `${subject} cannot be created: ${existing} is a symbolic link to ${kind.target}, which does not exist; create ${kind.target} or set ${role.setting} elsewhere.`;
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    checkWritable(existing);
  } catch (error) {
    return describeUnwritable({ path, existing, role }, error);
  }
  return undefined;
}

type PathKind =
  | { readonly type: 'directory' | 'file' | 'missing' }
  | { readonly type: 'dangling-link'; readonly target: string }
  | { readonly type: 'error'; readonly error: unknown };

function readKind(path: string): PathKind {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats !== undefined) return { type: stats.isDirectory() ? 'directory' : 'file' };
    // stat follows links: a link whose target is missing reads as missing, and mkdir would fail on it with ENOENT.
    const link = lstatSync(path, { throwIfNoEntry: false });
    return link?.isSymbolicLink() === true
      ? { type: 'dangling-link', target: readlinkSync(path) }
      : { type: 'missing' };
  } catch (error) {
    // `file/sub`: the parent is looked at next, and named as the file it is.
    if (errorCode(error) === 'ENOTDIR') return { type: 'missing' };
    return { type: 'error', error };
  }
}

/** The directory looked at (`path`), the nearest part of it that exists, and what it is for. */
interface Looked {
  readonly path: string;
  readonly existing: string;
  readonly role: DirectoryRole;
}

function describeUnwritable({ path, existing, role }: Looked, error: unknown): string {
  const code = errorCode(error);
  if (code === 'EROFS') {
    return `${role.name} ${path} is on a read-only file system (${existing}): mount a writable volume there or set ${role.setting} elsewhere.`;
  }
  if (code !== 'EACCES' && code !== 'EPERM') return describeOtherError({ path, existing, role }, error);
  const user = `this user${process.getuid === undefined ? '' : ` (uid ${process.getuid()})`}`;
  return existing === path
    ? `${role.name} ${path} is not writable by ${user}: give the user running Meridian write access to it, or set ${role.setting} elsewhere.`
    : `${role.name} ${path} cannot be created: ${existing} is not writable by ${user}; create ${path} writable by the user running Meridian, or set ${role.setting} elsewhere.`;
}

function describeOtherError({ path, existing, role }: Looked, error: unknown): string {
  const code = errorCode(error) ?? (error instanceof Error ? error.message : String(error));
  return `${role.name} ${path} cannot be used: ${code} at ${existing}; check the path and its permissions, or set ${role.setting} elsewhere.`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
