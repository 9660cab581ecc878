import type { ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdempotencyService } from './create-idempotency-service.js';
import type { IdempotencyServiceOptions } from './create-idempotency-service.js';
import { fingerprintRequest } from './fingerprint-request.js';
import { deriveResponseSealKey, sealedResponseMarker } from './seal-response.js';
import type { TestHandler, TestServer } from './test-support.js';
import { openTestDatabase, readRecordRows, startTestServer, testSealKey } from './test-support.js';

// The answers stored for replay are sealed at rest (docs/security.md); replay itself is covered by
// create-idempotency-service.test.ts, which runs on sealed rows.

const requestBody = '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}';
const completion = 'COMPLETION-CANARY-5d1f';

let database: Database;
const servers: TestServer[] = [];
beforeEach(() => {
  database = openTestDatabase();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  database.close();
});

async function start(handler: TestHandler, options: Partial<IdempotencyServiceOptions> = {}): Promise<TestServer> {
  const service = createIdempotencyService({ database, sealKey: testSealKey, now: () => 1_000_000, ...options });
  const server = await startTestServer(service, handler);
  servers.push(server);
  return server;
}

function post(server: TestServer, key = 'key-1'): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: requestBody,
  });
}

/** A stream whose text names its call, so a second run could never pass for a replay. */
function sendCallStream(response: ServerResponse, call: number): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-completion-header': `${completion}-header` });
  response.write(`data: {"delta":"${completion} call ${call}"}\n\n`);
  response.end('data: [DONE]\n\n');
}
const firstStream = `data: {"delta":"${completion} call 1"}\n\ndata: [DONE]\n\n`;

/** Every column of every row, as one text: what a copy of the database shows. */
function readAllColumns(): string {
  const rows = database.prepare('SELECT * FROM idempotency_records').all() as Record<string, unknown>[];
  return rows
    .flatMap((row) => Object.values(row))
    .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))
    .join('\n');
}

function readBody(key: string): Buffer {
  const row = database.prepare('SELECT response_body FROM idempotency_records WHERE idempotency_key = ?').get(key);
  return (row as { response_body: Buffer }).response_body;
}

function writeBody(key: string, body: Buffer): void {
  database.prepare('UPDATE idempotency_records SET response_body = ? WHERE idempotency_key = ?').run(body, key);
}

const unreadable = {
  error: {
    code: 'idempotency_conflict',
    message: 'This Idempotency-Key has a stored answer that cannot be read; use a new key.',
    param: 'Idempotency-Key',
  },
};

describe('createIdempotencyService: answers sealed at rest', () => {
  it('stores no byte of the answer in the clear, and replays the stream byte for byte', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    expect(await (await post(server)).text()).toBe(firstStream);
    await server.settle();

    const stored = readAllColumns();
    expect(stored).toContain(sealedResponseMarker);
    expect(stored).not.toContain(completion);
    expect(stored).not.toContain('event-stream');
    const replay = await post(server);
    expect(Buffer.from(await replay.arrayBuffer())).toEqual(Buffer.from(firstStream));
    expect(replay.headers.get('x-completion-header')).toBe(`${completion}-header`);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(calls).toBe(1);
  });

  it('answers a stored answer that was altered with a final 409, and never runs (or charges) the call again', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    await (await post(server)).text();
    await server.settle();
    const altered = Buffer.from(readBody('key-1'));
    altered[40] = (altered[40] ?? 0) ^ 1;
    writeBody('key-1', altered);

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const retry = await post(server);
      expect(retry.status).toBe(409);
      expect(await retry.json()).toEqual(unreadable);
      expect(retry.headers.get('x-test-is-retryable')).toBe('false');
    }
    expect(calls).toBe(1);
    expect(readRecordRows(database)).toEqual([{ key_id: 'key-a', idempotency_key: 'key-1', status: 'completed' }]);
  });

  it('does not open a sealed answer copied to another row: 409 there, the original still replays', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    await (await post(server, 'key-1')).text();
    await (await post(server, 'key-2')).text();
    await server.settle();
    writeBody('key-2', readBody('key-1'));

    const moved = await post(server, 'key-2');
    expect([moved.status, await moved.json()]).toEqual([409, unreadable]);
    expect(await (await post(server, 'key-1')).text()).toBe(firstStream);
    expect(calls).toBe(2);
  });

  it('answers 409, running nothing, in a process whose key pepper differs from the one that stored the answer', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    await (await post(server)).text();
    await server.settle();
    const otherPepper = await start(({ response }) => sendCallStream(response, ++calls), {
      sealKey: deriveResponseSealKey(Buffer.alloc(32, 8)),
    });
    const retry = await post(otherPepper);
    expect([retry.status, await retry.json()]).toEqual([409, unreadable]);
    expect(calls).toBe(1);
  });

  it('replays a row stored in the clear before answers were sealed (an upgrade within its 24 h)', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    const fingerprint = fingerprintRequest('POST', '/v1/chat/completions', Buffer.from(requestBody));
    database
      .prepare(
        `INSERT INTO idempotency_records (key_id, idempotency_key, fingerprint, status, response_status,
           response_headers, response_body, created_at_ms, completed_at_ms)
         VALUES ('key-a', 'key-1', ?, 'completed', 201, ?, ?, 999000, 999500)`,
      )
      .run(fingerprint, '{"content-type":"text/event-stream","set-cookie":["a=1","b=2"]}', Buffer.from(firstStream));

    const replay = await post(server);
    expect(replay.status).toBe(201);
    expect(Buffer.from(await replay.arrayBuffer())).toEqual(Buffer.from(firstStream));
    expect(replay.headers.get('content-type')).toBe('text/event-stream');
    expect(replay.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(calls).toBe(0);
  });

  it('answers 409 to a row stored in the clear whose headers are not JSON, running nothing', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallStream(response, ++calls));
    const fingerprint = fingerprintRequest('POST', '/v1/chat/completions', Buffer.from(requestBody));
    database
      .prepare(
        `INSERT INTO idempotency_records (key_id, idempotency_key, fingerprint, status, response_status,
           response_headers, response_body, created_at_ms, completed_at_ms)
         VALUES ('key-a', 'key-1', ?, 'completed', 200, '{not json', ?, 999000, 999500)`,
      )
      .run(fingerprint, Buffer.from(firstStream));
    const retry = await post(server);
    expect([retry.status, await retry.json()]).toEqual([409, unreadable]);
    expect(calls).toBe(0);
  });
});
