import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { StoredHeaders } from './idempotency-store.js';

/** What a handler wrote to its response, read once it is done. */
export interface ResponseCapture {
  /** The status code sent (or about to be sent). */
  readonly readStatus: () => number;
  /** Every header sent, minus hop-by-hop and per-exchange ones (see {@link unstoredHeaderNames}). */
  readonly readHeaders: () => StoredHeaders;
  /** The body bytes in write order, or undefined when they exceeded `bytesMax` (then none are kept). */
  readonly readBody: () => Buffer | undefined;
  /** Puts the response's own `write` and `end` back. */
  readonly release: () => void;
}

/**
 * Headers that describe one connection or one exchange, not the result:
 * hop-by-hop headers (RFC 9110 §7.6.1), `date`, `content-length` (a replay sets
 * its own from the stored body) and our own `idempotent-replayed`. The
 * `x-ratelimit-*` family is left out too (see {@link isStoredHeader}).
 */
export const unstoredHeaderNames: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'date',
  'content-length',
  'idempotent-replayed',
]);

type WriteArguments = [chunk: unknown, ...rest: unknown[]];

/**
 * Tees what a handler writes to `response`: `write` and `end` are wrapped on this
 * one object, and every chunk still goes straight to the client (a stream is never
 * held back; agents stream for minutes). A copy of each chunk is kept, up to
 * `bytesMax` in total; past that the copies are dropped, so an oversized answer
 * costs no memory and is simply not stored.
 *
 * Status and headers are read from the response itself when asked:
 * `statusCode` is what `writeHead` (or the implicit head) sent, and since the
 * caller sets at least one header before the handler runs, Node merges
 * `writeHead`'s headers into `getHeaders()` (documented: "headers passed to
 * writeHead() given precedence"). So `writeHead` and `setHeader` need no wrapper.
 */
export function captureResponse(response: ServerResponse, options: { readonly bytesMax: number }): ResponseCapture {
  const chunks: Buffer[] = [];
  let byteCount = 0;
  let isOverLimit = false;
  const keep = (chunk: unknown, encoding: unknown): void => {
    if (isOverLimit) return;
    const bytes = toBuffer(chunk, encoding);
    if (bytes === undefined || bytes.length === 0) return;
    byteCount += bytes.length;
    if (byteCount > options.bytesMax) {
      isOverLimit = true;
      chunks.length = 0;
      return;
    }
    chunks.push(bytes);
  };
  const ownWrite = Object.getOwnPropertyDescriptor(response, 'write');
  const ownEnd = Object.getOwnPropertyDescriptor(response, 'end');
  const originalWrite = response.write.bind(response);
  const originalEnd = response.end.bind(response);
  const write = (...parameters: WriteArguments): boolean => {
    keep(parameters[0], parameters[1]);
    return (originalWrite as (...parameters: WriteArguments) => boolean)(...parameters);
  };
  const end = (...parameters: WriteArguments): ServerResponse => {
    // end(callback) carries no data; toBuffer ignores functions.
    keep(parameters[0], parameters[1]);
    return (originalEnd as (...parameters: WriteArguments) => ServerResponse)(...parameters);
  };
  response.write = write as ServerResponse['write'];
  response.end = end as ServerResponse['end'];
  return {
    readStatus: () => response.statusCode,
    readHeaders: () => convertHeaders(response.getHeaders()),
    readBody: () => (isOverLimit ? undefined : Buffer.concat(chunks, byteCount)),
    release: () => {
      restoreProperty(response, 'write', ownWrite);
      restoreProperty(response, 'end', ownEnd);
    },
  };
}

/** Back to the prototype's method, or to an own property someone else had put there before us. */
function restoreProperty(response: ServerResponse, name: 'write' | 'end', own: PropertyDescriptor | undefined): void {
  if (own === undefined) Reflect.deleteProperty(response, name);
  else Object.defineProperty(response, name, own);
}

/** A copy, so a caller reusing its buffer after `write` cannot change what is stored. */
function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return undefined;
}

/**
 * `x-ratelimit-*` told the key's counts in the minute of the first call; a replay counts against no limit, and repeating
 * them hours later ("4 remaining, reset in 18 s") would mislead a client that paces itself by them.
 */
export function isStoredHeader(lowerName: string): boolean {
  return !unstoredHeaderNames.has(lowerName) && !lowerName.startsWith('x-ratelimit-');
}

function convertHeaders(headers: OutgoingHttpHeaders): StoredHeaders {
  const stored: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lowerName = name.toLowerCase();
    if (value === undefined || !isStoredHeader(lowerName)) continue;
    stored[lowerName] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return stored;
}
