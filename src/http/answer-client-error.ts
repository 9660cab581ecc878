import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import type { InboundCodec } from '../protocols/adapter-types.js';
import type { InboundProtocolId } from './app-context.js';
import { createRequestId } from './create-ids.js';
import { chooseDialectFor, normalisePath } from './read-request.js';

/** What node:http hands a `clientError` listener: the parser's error, with the bytes it was reading. */
export interface ClientError extends Error {
  readonly code?: string;
  readonly rawPacket?: Buffer;
}

/**
 * node:http's `clientError`: a request the parser refused before the app saw it (headers past
 * `limits.requestHeaderBytesMax`, bytes that are not HTTP/1.1, Node's backstop request timeout). Node's own answer is a
 * bare status line with no body; this one is the client's protocol error shape (chosen from the request line and an
 * `anthropic-version` header in the bytes read, OpenAI's otherwise) with a request id, then the connection closes.
 * Nothing is written when the socket cannot take it or a response still owns it.
 */
export function answerClientError(
  inbound: Readonly<Record<InboundProtocolId, Pick<InboundCodec, 'renderError'>>>,
  error: ClientError,
  socket: Duplex,
): void {
  const response = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  // A response still owns the socket (a pipelined request's, not yet written or half written): answering now would
  // mix two answers on the wire, so the connection is only closed.
  if (error.code === 'ECONNRESET' || !socket.writable || (response !== undefined && response !== null)) {
    socket.destroy();
    return;
  }
  const requestId = createRequestId();
  const rendered = inbound[sniffDialect(error.rawPacket)].renderError(describeClientError(error), requestId);
  const headers = {
    ...rendered.headers,
    'content-length': String(Buffer.byteLength(rendered.body)),
    'x-request-id': requestId,
    'request-id': requestId,
    connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}\r\n${head}\r\n${rendered.body}`);
}

/** The error the client reads: 431 for headers too large, 408 for Node's request timeout, else 400. */
export function describeClientError(error: ClientError): GatewayError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new GatewayError({
      code: 'headers_too_large',
      message: `The request's headers exceed ${limits.requestHeaderBytesMax} bytes (the request line and every header together).`,
    });
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError({
      code: 'request_timeout',
      message: `The request did not arrive whole within ${limits.serverRequestTimeoutMs} ms.`,
    });
  }
  return new GatewayError({
    code: 'invalid_request',
    message: `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`,
  });
}

/** Longest start of the packet read for the request line and headers (the rest is not needed to pick a dialect). */
const sniffBytesMax = 16 * 1024;

/** The dialect of a request known only as raw bytes: its request line's path, and whether it names `anthropic-version`. */
function sniffDialect(rawPacket: Buffer | undefined): InboundProtocolId {
  if (rawPacket === undefined) return 'openai-chat';
  const text = rawPacket.toString('latin1', 0, Math.min(rawPacket.length, sniffBytesMax));
  const requestLine = /^[A-Z]+ (\/[^\s?]*)\S* HTTP\/1\.[01]\r?\n/.exec(text);
  if (requestLine === null) return 'openai-chat';
  return chooseDialectFor(normalisePath(requestLine[1]!), /\nanthropic-version[ \t]*:/i.test(text));
}
