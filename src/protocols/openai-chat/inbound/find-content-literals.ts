/** A JSON string literal's bytes in a request body: `[start, end)`, quotes included. */
export interface LiteralSpan {
  readonly start: number;
  readonly end: number;
}

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const openObject = 0x7b;
const closeObject = 0x7d;
const openArray = 0x5b;
const closeArray = 0x5d;

/**
 * Where each `messages[i].content` string literal of an OpenAI Chat body is, by message index (undefined where the
 * content is not a string, or its object names `content` twice: `JSON.parse` keeps the last). The body must be one
 * `JSON.parse` accepted. Undefined as a whole when the body names `messages` twice or it is not an array. Keys are
 * compared decoded (`"cont\u0065nt"` is `content`). Strings are skipped with `indexOf`, so a body of long texts costs
 * a few native searches per string, not a pass of JavaScript over its characters.
 */
export function findContentLiterals(bytes: Buffer): (LiteralSpan | undefined)[] | undefined {
  try {
    return findInBody(bytes);
  } catch {
    // NoSpans, or a body JSON.parse did not accept (a truncated literal, a key that is not JSON): no spans, and the
    // call goes on as it would without them.
    return undefined;
  }
}

/** The scan ran past the body's end or found no value: it was not the JSON it must be. Every loop advances or throws. */
class UnexpectedEnd extends Error {}

/** The body names `messages` twice, or not as an array: no spans at all. */
class NoSpans extends Error {}

function findInBody(bytes: Buffer): (LiteralSpan | undefined)[] | undefined {
  let spans: (LiteralSpan | undefined)[] | undefined;
  const start = skipSpace(bytes, 0);
  if (bytes[start] !== openObject) return undefined;
  walkObject(bytes, start, (key, valueStart) => {
    if (key !== 'messages') return skipValue(bytes, valueStart);
    if (spans !== undefined || bytes[valueStart] !== openArray) throw new NoSpans();
    const found = findInMessages(bytes, valueStart);
    spans = found.spans;
    return found.end;
  });
  return spans;
}

function findInMessages(bytes: Buffer, start: number): { spans: (LiteralSpan | undefined)[]; end: number } {
  const spans: (LiteralSpan | undefined)[] = [];
  let position = skipSpace(bytes, start + 1);
  while (bytes[position] !== closeArray) {
    assertInside(bytes, position);
    if (bytes[position] === openObject) {
      const found = findInMessage(bytes, position);
      spans.push(found.span);
      position = found.end;
    } else {
      spans.push(undefined);
      position = skipValue(bytes, position);
    }
    position = skipSpace(bytes, position);
    if (bytes[position] === comma) position = skipSpace(bytes, position + 1);
  }
  return { spans, end: position + 1 };
}

function findInMessage(bytes: Buffer, start: number): { span: LiteralSpan | undefined; end: number } {
  let span: LiteralSpan | undefined;
  let contentKeys = 0;
  const end = walkObject(bytes, start, (key, valueStart) => {
    const valueEnd = skipValue(bytes, valueStart);
    if (key === 'content') {
      contentKeys += 1;
      span = bytes[valueStart] === quote ? { start: valueStart, end: valueEnd } : undefined;
    }
    return valueEnd;
  });
  return { span: contentKeys === 1 ? span : undefined, end };
}

/**
 * Walks the members of the object that opens at `start`: `visit` gets each key, decoded, and where its value starts,
 * and returns where the value ends. Returns the position after the object.
 */
function walkObject(bytes: Buffer, start: number, visit: (key: string, valueStart: number) => number): number {
  let position = skipSpace(bytes, start + 1);
  while (bytes[position] === quote) {
    const keyEnd = skipString(bytes, position);
    const key = readKey(bytes, position, keyEnd);
    // Past the colon: the body is valid JSON.
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
function skipString(bytes: Buffer, start: number): number {
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
function skipValue(bytes: Buffer, start: number): number {
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

function assertInside(bytes: Buffer, position: number): void {
  if (position >= bytes.length) throw new UnexpectedEnd();
}

function isValueEnd(byte: number): boolean {
  return byte === comma || byte === closeObject || byte === closeArray || isSpace(byte);
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, start: number): number {
  let position = start;
  while (isSpace(bytes[position])) position += 1;
  return position;
}
