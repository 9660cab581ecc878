import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import { parseJsonBytes } from '../json/parse-json-bytes.js';
import { watchBodyRead } from './body-deadlines.js';

/**
 * Reads and parses a JSON request body, refusing more than `bytesMax` bytes
 * (413 before buffering when Content-Length already says so; otherwise as soon
 * as the limit is crossed, discarding the rest) and answering 400 `invalid_json`
 * on empty bodies and syntax errors.
 */
export async function readJsonBody(request: IncomingMessage, bytesMax: number): Promise<unknown> {
  return (await readJsonBodyWithBytes(request, bytesMax)).value;
}

/** {@link readJsonBody}, also returning the raw bytes (an `Idempotency-Key` fingerprints them). */
export function readJsonBodyWithBytes(
  request: IncomingMessage,
  bytesMax: number,
): Promise<{ readonly value: unknown; readonly bytes: Buffer }> {
  const encodingError = checkContentEncoding(request.headers['content-encoding']);
  if (encodingError !== undefined) {
    request.resume();
    return Promise.reject(encodingError);
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > bytesMax) {
    request.resume();
    return Promise.reject(tooLarge(bytesMax));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let isOverLimit = false;
    const giveUp = (error: Error): void => {
      watch.done();
      if (isOverLimit) return;
      isOverLimit = true;
      chunks.length = 0;
      reject(error);
    };
    const watch = watchBodyRead(giveUp);
    request.on('data', (chunk: Buffer) => {
      if (isOverLimit) return;
      watch.touch();
      bytes += chunk.length;
      if (bytes > bytesMax) giveUp(tooLarge(bytesMax));
      else chunks.push(chunk);
    });
    // The connection closed before the body ended ('aborted'): the client's doing, answered (to no one) and logged as
    // such, never as the gateway's internal error.
    request.on('error', (error: Error) =>
      giveUp(
        new GatewayError({
          code: 'request_timeout',
          message: 'The client closed the connection while sending its request body.',
          cause: error,
        }),
      ),
    );
    request.on('end', () => {
      watch.done();
      if (isOverLimit) return;
      try {
        const buffer = dropByteOrderMark(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
        resolve({ value: parseJsonText(buffer), bytes: buffer });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

function parseJsonText(buffer: Buffer): unknown {
  if (buffer.length === 0) {
    throw new GatewayError({ code: 'invalid_json', message: 'The request body is empty; send a JSON object.' });
  }
  // Decoding would put U+FFFD in place of every bad byte: the prompt sent on (and billed) would not be the client's.
  if (!isUtf8(buffer)) {
    throw new GatewayError({
      code: 'invalid_json',
      message: 'The request body is not valid UTF-8; JSON must be sent as UTF-8 (RFC 8259).',
    });
  }
  let value: unknown;
  try {
    value = parseJsonBytes(buffer);
  } catch (error) {
    throw new GatewayError({
      code: 'invalid_json',
      message: `The request body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}.`,
      cause: error,
    });
  }
  assertDepth(value, limits.requestJsonDepthMax);
  return value;
}

/**
 * Refuses nesting deeper than `depthMax` (JSON.parse accepts any depth; later recursive code would overflow
 * the stack). Iterative, and it visits only arrays and objects, so a large body of long strings costs little.
 */
export function assertDepth(root: unknown, depthMax: number): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > depthMax) {
      throw new GatewayError({
        code: 'invalid_json',
        message: `The request body nests deeper than ${depthMax} levels (limits.requestJsonDepthMax).`,
      });
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
}

const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);

/** A UTF-8 byte order mark before the JSON is ignored, as RFC 8259 allows (editors on Windows write one). */
function dropByteOrderMark(buffer: Buffer): Buffer {
  return buffer.subarray(0, 3).equals(byteOrderMark) ? buffer.subarray(3) : buffer;
}

/**
 * Bodies are read as sent: a compressed one is refused with 415 (parsed, it would be a confusing `invalid_json`, and
 * `br` over plain JSON would be taken as JSON). `identity` is no encoding.
 */
function checkContentEncoding(header: string | undefined): GatewayError | undefined {
  if (header === undefined) return undefined;
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  return new GatewayError({
    code: 'unsupported_media_type',
    message: `Content-Encoding '${codings.join(', ').slice(0, 64)}' is not supported; send the JSON body uncompressed.`,
  });
}

function tooLarge(bytesMax: number): GatewayError {
  // The route's own bound named (sign-in has a smaller one than model calls).
  const name = bytesMax === limits.loginBodyBytesMax ? 'loginBodyBytesMax' : 'requestBodyBytesMax';
  return new GatewayError({
    code: 'payload_too_large',
    message: `The request body exceeds the limit of ${bytesMax} bytes (limits.${name}).`,
  });
}
