import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isStoredHeader } from './capture-response.js';
import type { StoredResponse } from './idempotency-store.js';

/**
 * Writes a stored result to a duplicate request: the stored status and headers (no `x-ratelimit-*`),
 * `idempotent-replayed: true`, a fresh `content-length`, and the whole body in one
 * write. A stream is re-emitted as its stored SSE bytes: the client's SSE parser
 * reads the same events, just without the original pacing.
 */
export function replayResponse(response: ServerResponse, stored: StoredResponse): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(stored.headers)) {
    // Rows stored before these headers were left out may still hold them.
    if (isStoredHeader(name)) headers[name] = typeof value === 'string' ? value : [...value];
  }
  headers['content-length'] = stored.body.length;
  headers['idempotent-replayed'] = 'true';
  response.writeHead(stored.status, headers);
  response.end(stored.body);
}
