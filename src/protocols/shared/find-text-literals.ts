import {
  assertInside,
  closeArray,
  comma,
  openArray,
  openObject,
  quote,
  skipSpace,
  skipString,
  skipValue,
  walkObject,
} from '../../json/scan-json-bytes.js';
import type { TextLiteral } from '../../spec/index.js';

/** Containers nested deeper than this are skipped, not walked: a bound on the walk's recursion. */
export const textLiteralDepthMax = 32;
/**
 * Values walked at most per body: past it the scan gives up (no literals). Each costs some JavaScript; a body of
 * many tiny values (a 10 MB array of parts) would cost more to scan than its strings save. Agents' bodies have a few
 * thousand.
 */
export const textLiteralValuesMax = 65_536;

/**
 * The string literals of at least `bytesMin` bytes in a JSON body, each with the string `JSON.parse` read from it
 * (`parsed`, the very value it returned for these bytes, unchanged since). The scan walks bytes and value together:
 * keys are compared decoded (`"cont\u0065nt"` is `content`), strings are skipped with `indexOf`, so a body of long
 * texts costs a few native searches per string, not a pass of JavaScript over its characters. Undefined when there
 * are none, or when bytes and value do not agree: an object that names a key twice (`JSON.parse` keeps the last, so
 * the earlier literal is not the value's), bytes that are not JSON, or a value of another shape.
 */
export function findTextLiterals(
  bytes: Buffer,
  parsed: unknown,
  bytesMin: number,
  valuesMax = textLiteralValuesMax,
): TextLiteral[] | undefined {
  const scan: Scan = { bytes, bytesMin, found: [], valuesLeft: valuesMax };
  try {
    const end = skipSpace(bytes, walkValue(scan, skipSpace(bytes, 0), parsed, 0));
    if (end !== bytes.length) return undefined;
  } catch {
    // Mismatch, or bytes JSON.parse did not accept (a truncated literal, a key that is not JSON): no literals, and
    // the call goes on as it would without them.
    return undefined;
  }
  return scan.found.length === 0 ? undefined : scan.found;
}

interface Scan {
  readonly bytes: Buffer;
  readonly bytesMin: number;
  readonly found: TextLiteral[];
  /** Values that may still be walked (see {@link textLiteralValuesMax}). */
  valuesLeft: number;
}

/** Bytes and parsed value disagree (a repeated key, another shape), or the body has too many values: no literals. */
class Mismatch extends Error {}

function walkValue(scan: Scan, start: number, value: unknown, depth: number): number {
  scan.valuesLeft -= 1;
  if (scan.valuesLeft < 0) throw new Mismatch();
  const { bytes } = scan;
  const first = bytes[start];
  if (first === quote) {
    const end = skipString(bytes, start);
    if (end - start >= scan.bytesMin) {
      // A string of n UTF-16 units is spelt in at least n bytes between its quotes.
      if (typeof value !== 'string' || value.length > end - start - 2) throw new Mismatch();
      scan.found.push({ text: value, bytes: bytes.subarray(start, end) });
    }
    return end;
  }
  if (depth >= textLiteralDepthMax || (first !== openObject && first !== openArray)) return skipValue(bytes, start);
  return first === openArray ? walkArray(scan, start, value, depth + 1) : walkMembers(scan, start, value, depth + 1);
}

function walkArray(scan: Scan, start: number, value: unknown, depth: number): number {
  if (!Array.isArray(value)) throw new Mismatch();
  const { bytes } = scan;
  let index = 0;
  let position = skipSpace(bytes, start + 1);
  while (bytes[position] !== closeArray) {
    assertInside(bytes, position);
    position = skipSpace(bytes, walkValue(scan, position, value[index], depth));
    index += 1;
    if (bytes[position] === comma) position = skipSpace(bytes, position + 1);
  }
  if (index !== value.length) throw new Mismatch();
  return position + 1;
}

function walkMembers(scan: Scan, start: number, value: unknown, depth: number): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Mismatch();
  const object = value as Record<string, unknown>;
  let members = 0;
  const end = walkObject(scan.bytes, start, (key, valueStart) => {
    if (!Object.hasOwn(object, key)) throw new Mismatch();
    members += 1;
    return walkValue(scan, valueStart, object[key], depth);
  });
  // Every member sets a key: as many members as keys means no key was named twice.
  if (members !== Object.keys(object).length) throw new Mismatch();
  return end;
}
