/**
 * Byte-level steps over a JSON text held as UTF-8 bytes, for scans that must not decode it whole. They find where
 * values end; they do not check that the text is JSON (callers either scan a text `JSON.parse` accepted, or have each
 * piece they find parsed). Every loop advances or throws {@link UnexpectedEnd}.
 */

export const quote = 0x22;
export const backslash = 0x5c;
export const comma = 0x2c;
export const colon = 0x3a;
export const openObject = 0x7b;
export const closeObject = 0x7d;
export const openArray = 0x5b;
export const closeArray = 0x5d;

/** The scan ran past the text's end or found no value: it was not the JSON it must be. */
class UnexpectedEnd extends Error {}

/**
 * Walks the members of the object that opens at `start`: `visit` gets each key, decoded, and where its value starts,
 * and returns where the value ends. Returns the position after the object.
 */
export function walkObject(bytes: Buffer, start: number, visit: (key: string, valueStart: number) => number): number {
  let position = skipSpace(bytes, start + 1);
  while (bytes[position] === quote) {
    const keyEnd = skipString(bytes, position);
    const key = readKey(bytes, position, keyEnd);
    // Past the colon: the text is one JSON.parse accepted.
    position = skipSpace(bytes, visit(key, skipSpace(bytes, skipSpace(bytes, keyEnd) + 1)));
    if (bytes[position] === comma) position = skipSpace(bytes, position + 1);
  }
  return position + 1;
}

/** A key's text: its bytes when it has no escape (the usual case), else decoded. */
function readKey(bytes: Buffer, start: number, end: number): string {
  for (let position = start + 1; position < end - 1; position += 1) {
    if (bytes[position] === backslash) return JSON.parse(bytes.toString('utf8', start, end)) as string;
  }
  return bytes.toString('utf8', start + 1, end - 1);
}

/** The position after the string literal that opens at `start`: its closing quote is the first not escaped. */
export function skipString(bytes: Buffer, start: number): number {
  let position = start + 1;
  for (;;) {
    const closing = bytes.indexOf(quote, position);
    if (closing === -1) throw new UnexpectedEnd();
    let backslashes = 0;
    while (bytes[closing - 1 - backslashes] === backslash) backslashes += 1;
    if (backslashes % 2 === 0) return closing + 1;
    position = closing + 1;
  }
}

/** The position after the value that starts at `start` (any JSON value). */
export function skipValue(bytes: Buffer, start: number): number {
  const first = bytes[start];
  if (first === quote) return skipString(bytes, start);
  if (first !== openObject && first !== openArray) {
    let position = start;
    while (position < bytes.length && !isValueEnd(bytes[position]!)) position += 1;
    // A number or literal is at least one byte: no value here means the body is not what it must be.
    if (position === start) throw new UnexpectedEnd();
    return position;
  }
  let depth = 0;
  let position = start;
  for (;;) {
    assertInside(bytes, position);
    const byte = bytes[position];
    if (byte === quote) {
      position = skipString(bytes, position);
      continue;
    }
    if (byte === openObject || byte === openArray) depth += 1;
    else if (byte === closeObject || byte === closeArray) {
      depth -= 1;
      if (depth === 0) return position + 1;
    }
    position += 1;
  }
}

export function assertInside(bytes: Buffer, position: number): void {
  if (position >= bytes.length) throw new UnexpectedEnd();
}

function isValueEnd(byte: number): boolean {
  return byte === comma || byte === closeObject || byte === closeArray || isSpace(byte);
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export function skipSpace(bytes: Buffer, start: number): number {
  let position = start;
  while (isSpace(bytes[position])) position += 1;
  return position;
}
