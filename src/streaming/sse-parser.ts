import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import { GatewayError } from '../errors/index.js';

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field; undefined when the event had none or an empty one (the spec's default "message"). */
  readonly event: string | undefined;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The last event id seen on the stream so far (it carries over to later events, as in the spec). */
  readonly id: string | undefined;
}

export interface SseParserOptions {
  /** Called once per dispatched event, synchronously, in order. */
  readonly onEvent: (event: SseEvent) => void;
  /**
   * Largest event accepted: the bytes of its lines, each line end counted as one byte, including a
   * line still waiting for its end. Beyond → throws GatewayError `upstream_invalid_response`.
   */
  readonly eventBytesMax: number;
}

export interface SseParser {
  /**
   * Feeds the next bytes of the stream. Events complete within them are passed to `onEvent` before
   * this returns. Throws `upstream_invalid_response` when an event grows past `eventBytesMax`; after
   * a throw (from the limit or from `onEvent`) the parser's state is unspecified and it must not be reused.
   */
  push(chunk: Uint8Array): void;
  /**
   * The stream ended. An incomplete last event (one not followed by a blank line) is dropped, not
   * dispatched: the spec discards pending data at end of stream, so a cut-off upstream never yields a
   * half-received event. With `isBodyComplete` (the HTTP body ended as its framing said, so nothing was
   * cut), a last event whose lines all ended is dispatched: only its blank line is missing, which some
   * servers leave out. A last line without its line end is still dropped.
   */
  end(options?: { readonly isBodyComplete?: boolean }): void;
}

const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const colon = 0x3a;
const space = 0x20;
const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);
const dataName = Buffer.from('data');
const eventName = Buffer.from('event');
const idName = Buffer.from('id');
/** The first buffer for a line split across chunks; it doubles as needed, up to `eventBytesMax`. */
const pendingBytesInitial = 256;
/** A split-line buffer that grew past this is dropped after use, so one huge event does not pin its memory. */
const pendingBytesRetainedMax = 64 * 1024;

/**
 * Creates a byte-level SSE parser following WHATWG HTML "Interpreting an event stream": CR, LF and
 * CRLF line ends (a CRLF split across chunks counts once), one UTF-8 BOM dropped at the very start of
 * the stream, comments ignored, `data` lines joined with "\n", `id` with NUL ignored, `retry` and
 * unknown fields ignored.
 *
 * It sits on the hot path, so complete lines are read straight out of each chunk (no copy; line
 * ends found with `Buffer#indexOf`, which is memchr) and decoded as whole lines, which also keeps
 * UTF-8 characters split across chunks intact. Only a line cut by a chunk boundary is copied, into
 * one reused buffer. The size limit counts the event being built including that partial line, so a
 * line that never ends cannot grow memory without bound.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent, eventBytesMax } = options;
  assert(Number.isSafeInteger(eventBytesMax) && eventBytesMax > 0, 'eventBytesMax must be a positive integer.');
  /** Start of the current line, when it arrived in earlier chunks: `pending[0, pendingLength)`. */
  let pending = Buffer.alloc(0);
  let pendingLength = 0;
  let isAtStreamStart = true;
  let byteOrderMarkBytesMatched = 0;
  /** The previous chunk ended in CR, so an LF opening this chunk completes that CRLF (not a blank line). */
  let isAfterCarriageReturn = false;
  let eventBytes = 0;
  let data: string | undefined;
  let eventType: string | undefined;
  let lastId: string | undefined;

  function assertEventBytesWithinLimit(bytes: number): void {
    if (bytes <= eventBytesMax) return;
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: `An upstream SSE event exceeded ${eventBytesMax} bytes (limits.sseEventBytesMax).`,
    });
  }

  function dispatch(): void {
    eventBytes = 0;
    if (data === undefined) {
      eventType = undefined;
      return;
    }
    const event: SseEvent = { event: eventType, data, id: lastId };
    data = undefined;
    eventType = undefined;
    onEvent(event);
  }

  function processLine(bytes: Buffer, start: number, end: number): void {
    if (start === end) return dispatch();
    if (bytes[start] === colon) return;
    if (isDataField(bytes, start, end)) {
      // The hot path: nearly every upstream line is `data: …`, so skip the general field parsing.
      const valueStart = start + 5 < end && bytes[start + 5] === space ? start + 6 : start + 5;
      appendData(decodeUtf8(bytes, valueStart, end));
      return;
    }
    let colonIndex = start;
    while (colonIndex < end && bytes[colonIndex] !== colon) colonIndex += 1;
    let valueStart = colonIndex < end ? colonIndex + 1 : end;
    if (valueStart < end && bytes[valueStart] === space) valueStart += 1;
    if (hasName(bytes, start, colonIndex, dataName)) {
      appendData(decodeUtf8(bytes, valueStart, end));
    } else if (hasName(bytes, start, colonIndex, eventName)) {
      // An empty `event:` means the default type, the same as no `event:` line.
      eventType = valueStart === end ? undefined : decodeUtf8(bytes, valueStart, end);
    } else if (hasName(bytes, start, colonIndex, idName)) {
      const id = decodeUtf8(bytes, valueStart, end);
      if (!id.includes('\u0000')) lastId = id;
    }
  }

  function appendData(value: string): void {
    data = data === undefined ? value : `${data}\n${value}`;
  }

  function completeLine(bytes: Buffer, start: number, end: number): void {
    eventBytes += pendingLength + (end - start) + 1;
    assertEventBytesWithinLimit(eventBytes);
    if (pendingLength === 0) return processLine(bytes, start, end);
    appendPending(bytes, start, end);
    const length = pendingLength;
    pendingLength = 0;
    processLine(pending, 0, length);
    if (pending.length > pendingBytesRetainedMax) pending = Buffer.alloc(0);
  }

  function appendPending(source: Buffer, start: number, end: number): void {
    const required = pendingLength + (end - start);
    if (required > pending.length) {
      const capacity = Math.max(required, Math.min(Math.max(pending.length * 2, pendingBytesInitial), eventBytesMax));
      const grown = Buffer.allocUnsafe(capacity);
      copyBytes(pending, 0, pendingLength, grown, 0);
      pending = grown;
    }
    copyBytes(source, start, end, pending, pendingLength);
    pendingLength = required;
  }

  /** Consumes the stream's leading BOM, even when it arrives split over chunks; returns where the rest starts. */
  function skipByteOrderMark(bytes: Buffer): number {
    let position = 0;
    while (position < bytes.length && byteOrderMarkBytesMatched < byteOrderMark.length) {
      if (bytes[position] !== byteOrderMark[byteOrderMarkBytesMatched]) {
        // Not a BOM after all: the bytes held back so far are the start of the first line.
        isAtStreamStart = false;
        appendPending(byteOrderMark, 0, byteOrderMarkBytesMatched);
        return position;
      }
      byteOrderMarkBytesMatched += 1;
      position += 1;
    }
    if (byteOrderMarkBytesMatched === byteOrderMark.length) isAtStreamStart = false;
    return position;
  }

  function push(chunk: Uint8Array): void {
    // node:http and undici hand us Buffers; a plain Uint8Array gets one Buffer view per chunk.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let position = isAtStreamStart ? skipByteOrderMark(bytes) : 0;
    if (isAfterCarriageReturn && position < bytes.length) {
      isAfterCarriageReturn = false;
      if (bytes[position] === lineFeed) position += 1;
    }
    // The next LF and CR at or after `position` (-1: none left in this chunk); each is searched
    // again only once passed, so scanning stays linear in the chunk even with mixed line ends.
    let nextLineFeed = bytes.indexOf(lineFeed, position);
    let nextCarriageReturn = bytes.indexOf(carriageReturn, position);
    while (position < bytes.length) {
      if (nextLineFeed !== -1 && nextLineFeed < position) nextLineFeed = bytes.indexOf(lineFeed, position);
      if (nextCarriageReturn !== -1 && nextCarriageReturn < position) {
        nextCarriageReturn = bytes.indexOf(carriageReturn, position);
      }
      const lineEnd =
        nextCarriageReturn === -1 || (nextLineFeed !== -1 && nextLineFeed < nextCarriageReturn)
          ? nextLineFeed
          : nextCarriageReturn;
      if (lineEnd === -1) break;
      completeLine(bytes, position, lineEnd);
      position = lineEnd + 1;
      if (lineEnd === nextCarriageReturn) {
        if (position === bytes.length) isAfterCarriageReturn = true;
        else if (bytes[position] === lineFeed) position += 1;
      }
    }
    if (position < bytes.length) {
      assertEventBytesWithinLimit(eventBytes + pendingLength + (bytes.length - position));
      appendPending(bytes, position, bytes.length);
    }
  }

  function end(endOptions: { readonly isBodyComplete?: boolean } = {}): void {
    if (endOptions.isBodyComplete === true && pendingLength === 0) dispatch();
    pending = Buffer.alloc(0);
    pendingLength = 0;
    isAfterCarriageReturn = false;
    eventBytes = 0;
    data = undefined;
    eventType = undefined;
  }

  return { push, end };
}

/** Whether the line starts with `data:`; checked byte by byte because it is the common case. */
function isDataField(bytes: Buffer, start: number, end: number): boolean {
  return (
    end - start >= 5 &&
    bytes[start] === 0x64 &&
    bytes[start + 1] === 0x61 &&
    bytes[start + 2] === 0x74 &&
    bytes[start + 3] === 0x61 &&
    bytes[start + 4] === colon
  );
}

/** Whether `bytes[start, end)` is exactly the field name `name` (field names are case-sensitive). */
function hasName(bytes: Buffer, start: number, end: number, name: Buffer): boolean {
  return end - start === name.length && name.compare(bytes, start, end) === 0;
}

/**
 * Copies `source[start, end)` into `target` at `targetStart`. Short copies (the usual tail of a line
 * cut by a chunk boundary) use a loop, because `Buffer#copy` and `Buffer#subarray` spend more on
 * argument checks and species lookups than on the bytes; longer ones use a plain view and `set`.
 */
function copyBytes(source: Buffer, start: number, end: number, target: Buffer, targetStart: number): void {
  if (end - start <= 64) {
    for (let index = start; index < end; index += 1) target[targetStart + index - start] = source[index]!;
    return;
  }
  target.set(new Uint8Array(source.buffer, source.byteOffset + start, end - start), targetStart);
}

/** Decodes UTF-8 with U+FFFD for invalid sequences, as the spec's decoder does; a BOM here is kept as text. */
function decodeUtf8(bytes: Buffer, start: number, end: number): string {
  return start === end ? '' : bytes.toString('utf8', start, end);
}
