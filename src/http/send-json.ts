import type { ServerResponse } from 'node:http';

/** Writes a JSON answer with its length and the request id (OpenAI's and Anthropic's header names). */
export function sendJson(response: ServerResponse, status: number, value: unknown, requestId: string): void {
  const body = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'request-id': requestId,
  });
  response.end(body);
}
