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
/**
 * Containers nested deeper than this are parsed whole, however long: a bound on the recursion. An agent's text part
 * sits at depth 4 (body, messages, message, content, part).
 */
const splitDepthMax = 5;
/**
 * Values a text may hold to be parsed in pieces; one with more is parsed whole. Finding the pieces costs some
 * JavaScript per value, so a body of many tiny values (a 16 MiB array of numbers) would cost several times
 * `JSON.parse`'s time; agents' bodies hold a few thousand.
 */
export const jsonPieceValuesMax = 65_536;

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

/** Thrown past {@link jsonPieceValuesMax}. */
class TooManyValues extends Error {}

interface Split {
  readonly bytes: Buffer;
  readonly pieceBytesMax: number;
  /** Where each container longer than a piece, and not deeper than split, ends; by where it starts. */
  readonly ends: ReadonlyMap<number, number>;
}

/** Exported for the property test, which splits texts of any length with tiny pieces. */
export function parseInPieces(bytes: Buffer, pieceBytesMax: number, valuesMax = jsonPieceValuesMax): unknown {
  const ends = findLongContainers(bytes, pieceBytesMax, valuesMax);
  const split: Split = { bytes, pieceBytesMax, ends };
  const start = skipSpace(bytes, 0);
  const end = findValueEnd(split, start);
  if (skipSpace(bytes, end) !== bytes.length) throw new NotJson();
  return parseValue(split, start, end, 0);
}

/**
 * One pass over the text: the ends of the containers longer than a piece, up to the split depth, so that finding
 * an item's end never scans a long container again at each level. Counts values as it goes (strings, containers,
 * and one per comma) and throws past `valuesMax`.
 */
function findLongContainers(bytes: Buffer, pieceBytesMax: number, valuesMax: number): Map<number, number> {
  const ends = new Map<number, number>();
  const open: number[] = [];
  let values = 0;
  for (let position = 0; position < bytes.length;) {
    const byte = bytes[position]!;
    if (byte === quote || byte === openObject || byte === openArray || byte === comma) values += 1;
    if (values > valuesMax) throw new TooManyValues();
    if (byte === quote) {
      position = skipString(bytes, position);
      continue;
    }
    if (byte === openObject || byte === openArray) open.push(position);
    else if (byte === closeObject || byte === closeArray) {
      const start = open.pop();
      if (start === undefined) throw new NotJson();
      if (position + 1 - start > pieceBytesMax && open.length < splitDepthMax) ends.set(start, position + 1);
    }
    position += 1;
  }
  return ends;
}

/** Where the value that starts at `start` ends: from the index when it is a long container, else found. */
function findValueEnd(split: Split, start: number): number {
  return split.ends.get(start) ?? skipValue(split.bytes, start);
}

/** The value spelt by `[start, end)`, a span {@link findValueEnd} found. */
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
  // Searched within the literal: a search from its start to the body's end would cost every long string the rest.
  const inner = split.bytes.subarray(start + 1, end - 1);
  if (inner.includes(backslash)) return parsePiece(split, start, end);
  const text = inner.toString('utf8');
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
function nextItem(split: Split, end: number, close: number): number | undefined {
  const { bytes } = split;
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
    const itemEnd = findValueEnd(split, position);
    if (itemEnd - position > split.pieceBytesMax) {
      run.flush();
      items.push(parseValue(split, position, itemEnd, depth + 1));
    } else {
      run.add(position, itemEnd);
    }
    position = nextItem(split, itemEnd, closeArray);
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
    const valueEnd = findValueEnd(split, valueStart);
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
    position = nextItem(split, valueEnd, closeObject);
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
