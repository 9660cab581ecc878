import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { StoredResponse } from './idempotency-store.js';

/**
 * Writes a stored result to a duplicate request: the stored status and headers,
 * `idempotent-replayed: true`, a fresh `content-length`, and the whole body in one
 * write. A stream is re-emitted as its stored SSE bytes: the client's SSE parser
 * reads the same events, just without the original pacing.
 */
export function replayResponse(response: ServerResponse, stored: StoredResponse): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(stored.headers)) {
    headers[name] = typeof value === 'string' ? value : [...value];
  }
  headers['content-length'] = stored.body.length;
  headers['idempotent-replayed'] = 'true';
  response.writeHead(stored.status, headers);
  response.end(stored.body);
}
