import {
  backslash,
  closeArray,
  closeObject,
  colon,
  comma,
  openArray,
  openObject,
  quote,
  skipSpace,
  skipString,
  skipValue,
} from './scan-json-bytes.js';

/**
 * Texts up to this many bytes are decoded and parsed whole. A longer one would decode to a string V8 keeps in its
 * large-object space, which maps fresh pages for every such string and unmaps them when it dies: on a VM where a
 * page fault costs microseconds, that costs more than the decoding (ADR 2026-11-30-hot-path-costs).
 */
export const jsonWholeBytesMax = 64 * 1024;
/** Longer texts are decoded and parsed in pieces of at most this many bytes, where the structure allows. */
export const jsonPieceBytesMax = 32 * 1024;
/** Containers nested deeper than this are parsed whole, however long: a bound on the recursion. */
const splitDepthMax = 8;

/**
 * `JSON.parse` of UTF-8 bytes, with the same value, key order and errors. A long text is split at its structure:
 * runs of array items or object members that fit in a piece are parsed together, bigger ones are split again, and
 * each piece is decoded on its own, so no string as long as the whole text is made.
 */
export function parseJsonBytes(bytes: Buffer, pieceBytesMax = jsonPieceBytesMax): unknown {
  if (bytes.length <= Math.max(jsonWholeBytesMax, pieceBytesMax)) return JSON.parse(bytes.toString('utf8'));
  try {
    return parseInPieces(bytes, pieceBytesMax);
  } catch {
    // Not JSON, or not as the split expects: JSON.parse throws the error it would have thrown for the whole text.
    return JSON.parse(bytes.toString('utf8'));
  }
}

/** Thrown where the text breaks JSON's grammar between pieces. */
class NotJson extends Error {}

interface Split {
  readonly bytes: Buffer;
  readonly pieceBytesMax: number;
}

/** Exported for the property test, which splits texts of any length with tiny pieces. */
export function parseInPieces(bytes: Buffer, pieceBytesMax: number): unknown {
  const split: Split = { bytes, pieceBytesMax };
  const start = skipSpace(bytes, 0);
  const end = skipValue(bytes, start);
  if (skipSpace(bytes, end) !== bytes.length) throw new NotJson();
  return parseValue(split, start, end, 0);
}

/** The value spelt by `[start, end)`, a span `skipValue` found. */
function parseValue(split: Split, start: number, end: number, depth: number): unknown {
  const first = split.bytes[start];
  if (end - start <= split.pieceBytesMax) return parsePiece(split, start, end);
  if (first === quote) return parseLongString(split, start, end);
  if ((first !== openObject && first !== openArray) || depth >= splitDepthMax) return parsePiece(split, start, end);
  return first === openArray ? parseArray(split, start, depth) : parseObject(split, start, depth);
}

/** A raw control character, which JSON forbids inside a string. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlCharacter = /[\u0000-\u001f]/;

/**
 * A string literal longer than a piece. Without escapes or control characters its value is its bytes between the
 * quotes, decoded: one long string made instead of two (the literal, then the value JSON.parse copies from it).
 */
function parseLongString(split: Split, start: number, end: number): unknown {
  const escape = split.bytes.indexOf(backslash, start + 1);
  if (escape !== -1 && escape < end - 1) return parsePiece(split, start, end);
  const text = split.bytes.toString('utf8', start + 1, end - 1);
  return controlCharacter.test(text) ? parsePiece(split, start, end) : text;
}

function parsePiece(split: Split, start: number, end: number, open = '', close = ''): unknown {
  const text = split.bytes.toString('utf8', start, end);
  return JSON.parse(open === '' ? text : `${open}${text}${close}`);
}

/**
 * Consecutive small items or members, parsed together as one piece when the next would not fit, or when a big one
 * comes between (order matters: a repeated key's last value wins).
 */
class Run {
  private start = -1;
  private end = -1;

  constructor(
    private readonly split: Split,
    private readonly brackets: '[]' | '{}',
    private readonly take: (parsed: unknown) => void,
  ) {}

  add(start: number, end: number): void {
    if (this.start !== -1 && end - this.start > this.split.pieceBytesMax) this.flush();
    if (this.start === -1) this.start = start;
    this.end = end;
  }

  flush(): void {
    if (this.start === -1) return;
    this.take(parsePiece(this.split, this.start, this.end, this.brackets[0], this.brackets[1]));
    this.start = -1;
  }
}

/** Where the next item starts after one that ended at `end`, or undefined where the container closes there. */
function nextItem(bytes: Buffer, end: number, close: number): number | undefined {
  const position = skipSpace(bytes, end);
  if (bytes[position] === close) return undefined;
  if (bytes[position] !== comma) throw new NotJson();
  return skipSpace(bytes, position + 1);
}

function parseArray(split: Split, start: number, depth: number): unknown[] {
  const { bytes } = split;
  const items: unknown[] = [];
  const run = new Run(split, '[]', (parsed) => {
    for (const item of parsed as unknown[]) items.push(item);
  });
  let position: number | undefined = skipSpace(bytes, start + 1);
  if (bytes[position] === closeArray) return items;
  while (position !== undefined) {
    const itemEnd = skipValue(bytes, position);
    if (itemEnd - position > split.pieceBytesMax) {
      run.flush();
      items.push(parseValue(split, position, itemEnd, depth + 1));
    } else {
      run.add(position, itemEnd);
    }
    position = nextItem(bytes, itemEnd, closeArray);
  }
  run.flush();
  return items;
}

function parseObject(split: Split, start: number, depth: number): Record<string, unknown> {
  const { bytes } = split;
  const object: Record<string, unknown> = {};
  const run = new Run(split, '{}', (parsed) => {
    const members = parsed as Record<string, unknown>;
    for (const key of Object.keys(members)) setMember(object, key, members[key]);
  });
  let position: number | undefined = skipSpace(bytes, start + 1);
  if (bytes[position] === closeObject) return object;
  while (position !== undefined) {
    if (bytes[position] !== quote) throw new NotJson();
    const keyEnd = skipString(bytes, position);
    const colonAt = skipSpace(bytes, keyEnd);
    if (bytes[colonAt] !== colon) throw new NotJson();
    const valueStart = skipSpace(bytes, colonAt + 1);
    const valueEnd = skipValue(bytes, valueStart);
    if (valueEnd - valueStart > split.pieceBytesMax) {
      run.flush();
      setMember(
        object,
        parsePiece(split, position, keyEnd) as string,
        parseValue(split, valueStart, valueEnd, depth + 1),
      );
    } else {
      run.add(position, valueEnd);
    }
    position = nextItem(bytes, valueEnd, closeObject);
  }
  run.flush();
  return object;
}

/** Sets a member as JSON.parse does: an own data property, `__proto__` included; a repeated key keeps its place. */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
