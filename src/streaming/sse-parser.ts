import { GatewayError } from '../errors/index.js';

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field; undefined when the event had none (the default "message"). */
  readonly event: string | undefined;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  readonly id: string | undefined;
}

export interface SseParserOptions {
  /** Called once per dispatched event, synchronously, in order. */
  readonly onEvent: (event: SseEvent) => void;
  /** Largest event (the sum of its line bytes) accepted; beyond → `upstream_invalid_response`. */
  readonly eventBytesMax: number;
}

export interface SseParser {
  push(chunk: Uint8Array): void;
  /** The stream ended. An incomplete last event (no blank line after it) is dropped, as the spec says. */
  end(): void;
}

const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const colon = 0x3a;
const space = 0x20;

/**
 * A byte-level SSE parser following WHATWG HTML "Interpreting an event stream":
 * CR, LF and CRLF line ends (also split across chunks), a leading BOM dropped,
 * comments ignored, multi-line data joined with "\n". Lines are decoded from bytes
 * as a whole, so UTF-8 characters split across chunks decode correctly. The size
 * limit counts the bytes of the event being built, including a partial line, so a
 * line that never ends cannot grow memory without bound.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  // ignoreBOM keeps a BOM inside the stream as text: only the stream's first bytes may be a BOM.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let carry: Uint8Array | undefined;
  let isStart = true;
  let isAfterCarriageReturn = false;
  let eventBytes = 0;
  let dataLines: string[] = [];
  let eventName: string | undefined;
  let lastId: string | undefined;

  function assertWithinLimit(bytes: number): void {
    if (bytes > options.eventBytesMax) {
      throw new GatewayError({
        code: 'upstream_invalid_response',
        message: `An upstream SSE event exceeded ${options.eventBytesMax} bytes (limits.sseEventBytesMax).`,
      });
    }
  }

  function dispatch(): void {
    eventBytes = 0;
    if (dataLines.length === 0) {
      eventName = undefined;
      return;
    }
    const data = dataLines.length === 1 ? dataLines[0]! : dataLines.join('\n');
    const event = { event: eventName, data, id: lastId };
    dataLines = [];
    eventName = undefined;
    options.onEvent(event);
  }

  function processLine(line: Uint8Array): void {
    if (line.length === 0) return dispatch();
    if (line[0] === colon) return;
    if (isDataField(line)) {
      // Hot path: `data:` lines, without decoding the field name.
      dataLines.push(decoder.decode(line.subarray(line.length > 5 && line[5] === space ? 6 : 5)));
      return;
    }
    const colonIndex = line.indexOf(colon);
    const nameBytes = colonIndex === -1 ? line : line.subarray(0, colonIndex);
    let valueStart = colonIndex === -1 ? line.length : colonIndex + 1;
    if (valueStart < line.length && line[valueStart] === space) valueStart += 1;
    const name = decoder.decode(nameBytes);
    const value = decoder.decode(line.subarray(valueStart));
    if (name === 'data') dataLines.push(value);
    else if (name === 'event') eventName = value;
    else if (name === 'id' && !value.includes('\u0000')) lastId = value;
  }

  function push(chunk: Uint8Array): void {
    let bytes = chunk;
    if (carry !== undefined) {
      const joined = new Uint8Array(carry.length + bytes.length);
      joined.set(carry);
      joined.set(bytes, carry.length);
      bytes = joined;
      carry = undefined;
    }
    if (isStart) {
      if (bytes.length < 3 && isBomPrefix(bytes)) {
        carry = bytes;
        return;
      }
      isStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    let lineStart = 0;
    for (let index = 0; index < bytes.length; index += 1) {
      const byte = bytes[index];
      if (isAfterCarriageReturn) {
        isAfterCarriageReturn = false;
        if (byte === lineFeed) {
          // The LF of a CRLF (possibly split across chunks): the line already ended at the CR.
          lineStart = index + 1;
          continue;
        }
      }
      if (byte !== lineFeed && byte !== carriageReturn) continue;
      const line = bytes.subarray(lineStart, index);
      eventBytes += line.length + 1;
      assertWithinLimit(eventBytes);
      processLine(line);
      isAfterCarriageReturn = byte === carriageReturn;
      lineStart = index + 1;
    }
    if (lineStart < bytes.length) {
      const rest = bytes.subarray(lineStart);
      assertWithinLimit(eventBytes + rest.length);
      carry = rest.slice();
    }
  }

  function end(): void {
    carry = undefined;
    dataLines = [];
    eventName = undefined;
    eventBytes = 0;
  }

  return { push, end };
}

/** Whether a line starts with `data:` (d a t a :). */
function isDataField(line: Uint8Array): boolean {
  return (
    line.length >= 5 &&
    line[0] === 0x64 &&
    line[1] === 0x61 &&
    line[2] === 0x74 &&
    line[3] === 0x61 &&
    line[4] === colon
  );
}

function isBomPrefix(bytes: Uint8Array): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let index = 0; index < bytes.length; index += 1) if (bytes[index] !== bom[index]) return false;
  return true;
}
