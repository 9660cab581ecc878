import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from 'better-sqlite3';
import { GatewayError } from '../errors/index.js';
import { migrateSqlite, openSqliteDatabase } from '../storage/index.js';
import type { IdempotencyService } from './create-idempotency-service.js';
import { fingerprintRequest } from './fingerprint-request.js';
import { deriveResponseSealKey } from './seal-response.js';

/** The seal key of a node whose key pepper is 32 bytes of 7. */
export const testSealKey = deriveResponseSealKey(Buffer.alloc(32, 7));

/** A migrated in-memory database. */
export function openTestDatabase(): Database {
  const database = openSqliteDatabase({ path: ':memory:' });
  migrateSqlite(database);
  return database;
}

/** Every idempotency row, for assertions. */
export function readRecordRows(database: Database): { key_id: string; idempotency_key: string; status: string }[] {
  return database
    .prepare('SELECT key_id, idempotency_key, status FROM idempotency_records ORDER BY key_id, idempotency_key')
    .all() as { key_id: string; idempotency_key: string; status: string }[];
}

export type TestHandler = (exchange: {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly body: Buffer;
}) => Promise<void> | void;

export interface TestServer {
  readonly url: string;
  /** Resolves once every request so far has left `service.run` (stored, deleted or replayed). */
  readonly settle: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/**
 * A real node:http server on 127.0.0.1, port 0, that runs `handler` through
 * `service.run` the way the app would: key id from `x-test-key-id` (default
 * `key-a`), fingerprint of method, path and raw body, errors rendered as JSON
 * `{ error: { code, message, param } }` with the GatewayError's status and its `isRetryable` in
 * `x-test-is-retryable`.
 */
export async function startTestServer(service: IdempotencyService, handler: TestHandler): Promise<TestServer> {
  const pending: Promise<void>[] = [];
  const server = createServer((request, response) => {
    pending.push(serve(service, handler, request, response).catch((error: unknown) => renderError(response, error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    settle: async () => {
      await Promise.all(pending);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(
  service: IdempotencyService,
  handler: TestHandler,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const idempotencyKey = request.headers['idempotency-key'];
  const runHandler = async (): Promise<void> => {
    await handler({ request, response, body });
  };
  if (idempotencyKey === undefined) return runHandler();
  const keyId = request.headers['x-test-key-id'];
  const input = {
    keyId: typeof keyId === 'string' ? keyId : 'key-a',
    idempotencyKey: Array.isArray(idempotencyKey) ? idempotencyKey.join(', ') : idempotencyKey,
    fingerprint: fingerprintRequest(request.method ?? 'GET', new URL(request.url ?? '/', 'http://x').pathname, body),
    response,
  };
  return service.run(input, runHandler);
}

function renderError(response: ServerResponse, error: unknown): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const isGateway = error instanceof GatewayError;
  const body = JSON.stringify({
    error: isGateway
      ? { code: error.code, message: error.message, param: error.param }
      : { code: 'internal_error', message: String(error) },
  });
  // `x-test-is-retryable`: what the client renderers turn into `x-should-retry` (src/protocols/shared/is-final-error).
  response.writeHead(isGateway ? error.status : 500, {
    'content-type': 'application/json',
    'x-test-is-retryable': String(isGateway && error.isRetryable),
  });
  response.end(body);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Response headers that describe the exchange, not the result, and so may differ on a replay. */
const exchangeHeaderNames = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'idempotent-replayed']);

/** A fetch response's headers minus the per-exchange ones, as a plain object. */
export function readResultHeaders(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!exchangeHeaderNames.has(name)) result[name] = value;
  });
  return result;
}
