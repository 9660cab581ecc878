import type { z } from 'zod';

type ConfigPath = readonly (string | number)[];

/**
 * `${VAR}` interpolation yields strings; a value written with a variable that sits where the schema needs a number or
 * a boolean is read as one (`port: ${PORT:-8787}`, `enabled: "${CACHE_ON}"`). Only values whose written text held a
 * variable change, and only to what they spell exactly (`8080`, `-1`, `0.5`, `true`, `false`); anything else is left
 * for the schema to refuse with its key and line. Returns `value` itself when nothing changed, else a changed copy.
 */
export function typeVariableValues(value: unknown, written: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  let typed = value;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || (issue.expected !== 'number' && issue.expected !== 'boolean')) continue;
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const text = readAt(typed, path);
    const source = readAt(written, path);
    if (typeof text !== 'string' || typeof source !== 'string' || !source.includes('${')) continue;
    const converted = issue.expected === 'number' ? readNumber(text) : readBoolean(text);
    if (converted === undefined) continue;
    if (typed === value) typed = structuredClone(value);
    writeAt(typed, path, converted);
  }
  return typed;
}

function readNumber(text: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

function readBoolean(text: string): boolean | undefined {
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function readAt(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** Sets the value at `path`, whose parent {@link readAt} has just read (so it exists). */
function writeAt(root: unknown, path: ConfigPath, value: unknown): void {
  const parent = readAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}
