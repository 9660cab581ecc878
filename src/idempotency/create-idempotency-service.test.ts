import type { ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { createIdempotencyService, idempotencyDefaults } from './create-idempotency-service.js';
import type { IdempotencyServiceOptions } from './create-idempotency-service.js';
import type { TestHandler, TestServer } from './test-support.js';
import { openResponse, sealedResponseMarker } from './seal-response.js';
import {
  delay,
  openTestDatabase,
  readRecordRows,
  readResultHeaders,
  startTestServer,
  testSealKey,
} from './test-support.js';

const requestBody = '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}';

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

function post(
  server: TestServer,
  options: { key?: string; body?: string; keyId?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': options.key ?? 'key-1',
      ...(options.keyId === undefined ? {} : { 'x-test-key-id': options.keyId }),
    },
    body: options.body ?? requestBody,
    signal: options.signal,
  });
}

/** A JSON answer that names its call, so a second run could never pass for a replay. */
function sendCallJson(response: ServerResponse, status: number, call: number): void {
  const body = JSON.stringify({ id: `gen-${call}`, text: 'hello' });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': `req-${call}`,
  });
  response.end(body);
}

/** The one stored row's status and headers, its answer opened as the store opens it. */
function readStoredHead(): { status: number | undefined; headers: unknown } {
  const row = database
    .prepare(
      `SELECT key_id, idempotency_key, fingerprint, created_at_ms, response_headers, response_body
       FROM idempotency_records`,
    )
    .get() as {
    key_id: string;
    idempotency_key: string;
    fingerprint: string;
    created_at_ms: number;
    response_headers: string;
    response_body: Buffer;
  };
  expect(row.response_headers).toBe(sealedResponseMarker);
  const identity = {
    keyId: row.key_id,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.fingerprint,
    createdAtMs: row.created_at_ms,
  };
  const opened = openResponse(testSealKey, identity, row.response_body);
  return { status: opened?.status, headers: opened?.headers };
}

/** A promise that a test resolves by hand, to hold a handler mid-run. */
function createGate(): { readonly promise: Promise<void>; readonly open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('createIdempotencyService: first request and replay', () => {
  it('runs the handler once and replays status, headers and body with idempotent-replayed: true', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, ++calls));
    const first = await post(server);
    const firstBody = await first.text();
    await server.settle();
    const second = await post(server);
    const secondBody = await second.text();

    expect(calls).toBe(1);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(firstBody).toBe('{"id":"gen-1","text":"hello"}');
    expect(secondBody).toBe(firstBody);
    expect(readResultHeaders(first.headers)).toEqual({
      'content-type': 'application/json',
      'content-length': '29',
      'x-request-id': 'req-1',
    });
    expect(readResultHeaders(second.headers)).toEqual(readResultHeaders(first.headers));
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(readRecordRows(database)).toEqual([{ key_id: 'key-a', idempotency_key: 'key-1', status: 'completed' }]);
  });

  it('runs the handler exactly once for 10 concurrent duplicates, all getting the same body', async () => {
    let calls = 0;
    const server = await start(async ({ response }) => {
      const call = ++calls;
      await delay(50);
      sendCallJson(response, 200, call);
    });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(server)));
    const bodies = await Promise.all(responses.map((response) => response.text()));

    expect(calls).toBe(1);
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(new Set(bodies)).toEqual(new Set(['{"id":"gen-1","text":"hello"}']));
    const replayed = responses.map((response) => response.headers.get('idempotent-replayed'));
    expect(replayed.filter((value) => value === 'false')).toHaveLength(1);
    expect(replayed.filter((value) => value === 'true')).toHaveLength(9);
  });

  it('keeps status, merged setHeader/writeHead headers and encoded writes, and drops hop-by-hop headers', async () => {
    let calls = 0;
    const server = await start(({ response }) => {
      calls += 1;
      response.setHeader('x-set', '1');
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.setHeader('transfer-encoding', 'chunked');
      response.writeHead(201, { 'content-type': 'text/plain', 'x-head': 2, 'x-set': 'overridden' });
      response.write('hello ', 'utf8');
      response.write('776f726c64', 'hex');
      response.end(Buffer.from('!'));
    });
    const first = await post(server);
    expect(await first.text()).toBe('hello world!');
    await server.settle();
    const second = await post(server);

    expect(calls).toBe(1);
    expect(second.status).toBe(201);
    expect(await second.text()).toBe('hello world!');
    expect(second.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(second.headers.get('content-length')).toBe('12');
    expect(readStoredHead()).toEqual({
      status: 201,
      headers: { 'x-set': 'overridden', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain', 'x-head': '2' },
    });
  });

  it("does not replay the first call's x-ratelimit headers: they told that minute's counts, a replay counts in none", async () => {
    const server = await start(({ response }) => {
      response.setHeader('x-ratelimit-limit-requests', '5');
      response.setHeader('x-ratelimit-remaining-requests', '4');
      response.setHeader('x-ratelimit-reset-requests', '18s');
      response.setHeader('X-RateLimit-Reset', '18');
      sendCallJson(response, 200, 1);
    });
    const first = await post(server);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('4');
    await first.text();
    await server.settle();
    const second = await post(server);
    expect(await second.text()).toBe('{"id":"gen-1","text":"hello"}');
    expect([...second.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    expect(readStoredHead().headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'req-1' });
  });

  it('stores the implicit status of a handler that never calls writeHead', async () => {
    const server = await start(({ response }) => {
      response.statusCode = 202;
      response.end('accepted');
    });
    await (await post(server)).text();
    await server.settle();
    const second = await post(server);
    expect([second.status, await second.text()]).toEqual([202, 'accepted']);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('scopes keys per API key: the same Idempotency-Key under another key id runs again', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, ++calls));
    await (await post(server, { keyId: 'key-a' })).text();
    const other = await post(server, { keyId: 'key-b' });
    expect(await other.text()).toBe('{"id":"gen-2","text":"hello"}');
    expect(calls).toBe(2);
  });
});

describe('createIdempotencyService: streams', () => {
  const chunks = [
    'data: {"delta":"Hel"}\n\n',
    Buffer.from('data: {"delta":"lo é 🙂"}\n\n'),
    ': ping\n\n',
    'data: [DONE]\n\n',
  ];
  const streamBytes = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));

  it('tees the stream to the client as it is written, and replays it byte for byte', async () => {
    let calls = 0;
    const gate = createGate();
    const server = await start(async ({ response }) => {
      calls += 1;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(chunks[0]);
      await gate.promise;
      for (const chunk of chunks.slice(1)) {
        await delay(5);
        response.write(chunk);
      }
      response.end();
    });
    const first = await post(server);
    const reader = first.body!.getReader();
    const firstRead = await reader.read();
    // The first event reached the client while the handler was still held: nothing is buffered.
    expect(Buffer.from(firstRead.value ?? []).toString()).toBe(chunks[0]);
    const duplicateWhileStreaming = post(server);
    await delay(20);
    gate.open();
    const rest: Uint8Array[] = [firstRead.value ?? new Uint8Array()];
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest.push(read.value);
    await server.settle();
    const replay = await post(server);
    const concurrent = await duplicateWhileStreaming;

    expect(calls).toBe(1);
    expect(Buffer.concat(rest)).toEqual(streamBytes);
    expect(Buffer.from(await replay.arrayBuffer())).toEqual(streamBytes);
    expect(Buffer.from(await concurrent.arrayBuffer())).toEqual(streamBytes);
    expect(replay.headers.get('content-type')).toBe('text/event-stream');
    expect(replay.headers.get('cache-control')).toBe('no-cache');
    expect([replay.headers.get('idempotent-replayed'), concurrent.headers.get('idempotent-replayed')]).toEqual([
      'true',
      'true',
    ]);
  });

  it('stores what a client that left mid-stream was sent, so a retry replays it and nothing runs (or is charged) again', async () => {
    let calls = 0;
    const server = await start(async ({ response }) => {
      calls += 1;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let index = 0; index < 200 && !response.destroyed; index += 1) {
        response.write(`data: {"index":${index}}\n\n`);
        await delay(calls === 1 ? 10 : 0);
        if (calls > 1 && index === 2) break;
      }
      response.end();
    });
    const controller = new AbortController();
    const first = await post(server, { signal: controller.signal });
    const reader = first.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    await server.settle();
    expect(readRecordRows(database).map((row) => row['status'])).toEqual(['completed']);

    const retry = await post(server);
    const replayed = await retry.text();
    const all = Array.from({ length: 200 }, (_, index) => `data: {"index":${index}}\n\n`).join('');
    // What the first call wrote before it saw its client leave: at least the chunk read, never all of it.
    expect(replayed.startsWith('data: {"index":0}\n\n')).toBe(true);
    expect(all.startsWith(replayed) && replayed.length < all.length).toBe(true);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(calls).toBe(1);
  });
});

describe('createIdempotencyService: conflicts and failures', () => {
  it('answers 409 idempotency_conflict to the same key with another body, running nothing', async () => {
    let calls = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, ++calls));
    await (await post(server)).text();
    const other = await post(server, { body: '{"model":"openai/gpt-4o","messages":[]}' });

    expect(other.status).toBe(409);
    expect(await other.json()).toEqual({
      error: {
        code: 'idempotency_conflict',
        message: 'This Idempotency-Key was already used for a different request.',
        param: 'Idempotency-Key',
      },
    });
    // Final: the same body meets the same record for 24 h (x-should-retry: false).
    expect(other.headers.get('x-test-is-retryable')).toBe('false');
    expect(calls).toBe(1);
    const replay = await post(server);
    expect(await replay.text()).toBe('{"id":"gen-1","text":"hello"}');
  });

  it('answers 409 at once to another body while the first request is still running', async () => {
    const gate = createGate();
    const started = createGate();
    const server = await start(async ({ response }) => {
      started.open();
      await gate.promise;
      sendCallJson(response, 200, 1);
    });
    const first = post(server);
    await started.promise;
    const other = await post(server, { body: '{}' });
    expect(other.status).toBe(409);
    gate.open();
    expect((await first).status).toBe(200);
  });

  it('deletes the record after a 502, so a retry with the same key runs the handler again', async () => {
    let calls = 0;
    const server = await start(({ response }) => {
      calls += 1;
      sendCallJson(response, calls === 1 ? 502 : 200, calls);
    });
    const failed = await post(server);
    expect([failed.status, failed.headers.get('idempotent-replayed')]).toEqual([502, 'false']);
    await failed.text();
    await server.settle();
    expect(readRecordRows(database)).toEqual([]);

    const retry = await post(server);
    expect([retry.status, retry.headers.get('idempotent-replayed'), await retry.text()]).toEqual([
      200,
      'false',
      '{"id":"gen-2","text":"hello"}',
    ]);
    await server.settle();
    const replay = await post(server);
    expect([replay.headers.get('idempotent-replayed'), await replay.text()]).toEqual([
      'true',
      '{"id":"gen-2","text":"hello"}',
    ]);
    expect(calls).toBe(2);
  });

  it('deletes the record when the handler throws, and rethrows the error for the app to render', async () => {
    let calls = 0;
    const server = await start(({ response }) => {
      calls += 1;
      if (calls === 1) throw new GatewayError({ code: 'upstream_error', message: 'Upstream failed.' });
      sendCallJson(response, 200, calls);
    });
    const failed = await post(server);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: { code: 'upstream_error', message: 'Upstream failed.' } });
    await server.settle();
    expect(readRecordRows(database)).toEqual([]);
    expect((await post(server)).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('runs the handler for a waiting duplicate when the first run fails', async () => {
    let calls = 0;
    const gate = createGate();
    const started = createGate();
    const server = await start(async ({ response }) => {
      calls += 1;
      if (calls === 1) {
        started.open();
        await gate.promise;
        sendCallJson(response, 503, 1);
        return;
      }
      sendCallJson(response, 200, calls);
    });
    const first = post(server);
    await started.promise;
    const waiting = post(server);
    await delay(20);
    gate.open();
    const [firstResponse, waitingResponse] = await Promise.all([first, waiting]);

    expect(firstResponse.status).toBe(503);
    expect([waitingResponse.status, waitingResponse.headers.get('idempotent-replayed')]).toEqual([200, 'false']);
    expect(await waitingResponse.text()).toBe('{"id":"gen-2","text":"hello"}');
    expect(calls).toBe(2);
  });

  it('delivers a body larger than responseBytesMax but does not store it', async () => {
    let calls = 0;
    const server = await start(
      ({ response }) => {
        calls += 1;
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('0123456789');
        response.end(calls === 1 ? '0123456' : '012345');
      },
      { responseBytesMax: 16 },
    );
    expect(await (await post(server)).text()).toBe('01234567890123456');
    await server.settle();
    expect(readRecordRows(database)).toEqual([]);
    // Exactly at the bound is stored.
    expect(await (await post(server)).text()).toBe('0123456789012345');
    await server.settle();
    const replay = await post(server);
    expect([replay.headers.get('idempotent-replayed'), await replay.text()]).toEqual(['true', '0123456789012345']);
    expect(calls).toBe(2);
  });

  it.each([
    ['256 characters', 'k'.repeat(256), 'The Idempotency-Key header must be 1 to 255 characters long.'],
    ['a non-ASCII byte', 'caf\u00e9', 'The Idempotency-Key header must contain printable ASCII characters only.'],
  ])('answers 400 invalid_request to a key of %s', async (_name, key, message) => {
    let calls = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, ++calls));
    const response = await post(server, { key });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_request', message, param: 'Idempotency-Key' } });
    expect(calls).toBe(0);
    expect(readRecordRows(database)).toEqual([]);
  });
});

describe('createIdempotencyService: waiting and expiry', () => {
  it('makes a duplicate in another process poll the row and replay once the first completes', async () => {
    const gate = createGate();
    const started = createGate();
    let callsA = 0;
    let callsB = 0;
    const serverA = await start(async ({ response }) => {
      callsA += 1;
      started.open();
      await gate.promise;
      sendCallJson(response, 200, 1);
    });
    const serverB = await start(({ response }) => sendCallJson(response, 200, 100 + ++callsB));
    const first = post(serverA);
    await started.promise;
    const duplicate = post(serverB);
    await delay(250);
    gate.open();
    const [firstResponse, duplicateResponse] = await Promise.all([first, duplicate]);

    expect(await duplicateResponse.text()).toBe(await firstResponse.text());
    expect(duplicateResponse.headers.get('idempotent-replayed')).toBe('true');
    expect([callsA, callsB]).toEqual([1, 0]);
  });

  it.each([
    ['in another process', true],
    ['in this process', false],
  ])('answers 409 "still in progress" after waitMs when the first run is %s', async (_name, isOtherProcess) => {
    const gate = createGate();
    const started = createGate();
    const serverA = await start(
      async ({ response }) => {
        started.open();
        await gate.promise;
        sendCallJson(response, 200, 1);
      },
      { waitMs: 150 },
    );
    const serverB = isOtherProcess
      ? await start(({ response }) => sendCallJson(response, 200, 2), { waitMs: 150 })
      : serverA;
    const first = post(serverA);
    await started.promise;
    const startedAtMs = performance.now();
    const duplicate = await post(serverB);
    const waitedMs = performance.now() - startedAtMs;
    gate.open();

    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toEqual({
      error: {
        code: 'idempotency_conflict',
        message: 'This Idempotency-Key belongs to a request that is still in progress; retry later.',
        param: 'Idempotency-Key',
      },
    });
    // A retry may succeed once the first call ends: no x-should-retry: false.
    expect(duplicate.headers.get('x-test-is-retryable')).toBe('true');
    expect(waitedMs).toBeGreaterThanOrEqual(140);
    expect((await first).status).toBe(200);
  });

  it("runs a duplicate at once, in another process, when the first run's lease lapsed (its process died)", async () => {
    const gate = createGate();
    const started = createGate();
    let callsB = 0;
    // Process A claims at 1 000 000 and, held by the gate, never renews before B looks (its timer renews every 10 s).
    const serverA = await start(async ({ response }) => {
      started.open();
      await gate.promise;
      sendCallJson(response, 200, 1);
    });
    const first = post(serverA);
    await started.promise;
    // Process B's clock is past A's lease (1 000 000 + leaseMs): A is taken for dead.
    const leaseEndMs = 1_000_000 + idempotencyDefaults.leaseMs;
    const serverB = await start(({ response }) => sendCallJson(response, 200, 100 + ++callsB), {
      now: () => leaseEndMs,
    });
    const duplicate = await post(serverB);
    expect([duplicate.status, duplicate.headers.get('idempotent-replayed'), await duplicate.text()]).toEqual([
      200,
      'false',
      '{"id":"gen-101","text":"hello"}',
    ]);
    await serverB.settle();
    // A's late completion touches nothing of B's record, which is the one replayed now.
    gate.open();
    expect((await first).status).toBe(200);
    await serverA.settle();
    expect(await (await post(serverB)).text()).toBe('{"id":"gen-101","text":"hello"}');
    expect(callsB).toBe(1);
  });

  it('keeps a long first run alive by renewing its lease: a duplicate in another process waits, then replays', async () => {
    const gate = createGate();
    const started = createGate();
    let callsB = 0;
    let nowMs = 1_000_000;
    const now = () => nowMs;
    // A lease of 300 ms renewed every 100 ms; the first run lasts five leases.
    const serverA = await start(
      async ({ response }) => {
        started.open();
        await gate.promise;
        sendCallJson(response, 200, 1);
      },
      { now, leaseMs: 300 },
    );
    const serverB = await start(({ response }) => sendCallJson(response, 200, 100 + ++callsB), { now, leaseMs: 300 });
    const clock = setInterval(() => (nowMs += 50), 50);
    try {
      const first = post(serverA);
      await started.promise;
      const duplicate = post(serverB);
      await delay(1_500);
      gate.open();
      const [firstResponse, duplicateResponse] = await Promise.all([first, duplicate]);
      expect(await duplicateResponse.text()).toBe(await firstResponse.text());
      expect(duplicateResponse.headers.get('idempotent-replayed')).toBe('true');
      expect(callsB).toBe(0);
    } finally {
      clearInterval(clock);
    }
  });

  it('treats a record older than retentionMs as absent', async () => {
    let nowMs = 5_000_000;
    let calls = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, ++calls), {
      now: () => nowMs,
      retentionMs: 60_000,
    });
    await (await post(server)).text();
    await server.settle();
    nowMs += 59_999;
    expect(await (await post(server)).text()).toBe('{"id":"gen-1","text":"hello"}');
    nowMs += 1;
    const expired = await post(server);
    expect([expired.headers.get('idempotent-replayed'), await expired.text()]).toEqual([
      'false',
      '{"id":"gen-2","text":"hello"}',
    ]);
    // Even with another body: the expired key is free again.
    await server.settle();
    nowMs += 60_000;
    expect((await post(server, { body: '{}' })).status).toBe(200);
    expect(calls).toBe(3);
  });

  it('prunes expired rows at most once per minute', async () => {
    let nowMs = 0;
    const server = await start(({ response }) => sendCallJson(response, 200, 1), {
      now: () => nowMs,
      retentionMs: 10_000,
    });
    await (await post(server, { key: 'a' })).text();
    await server.settle();
    nowMs = 20_000;
    await (await post(server, { key: 'b' })).text();
    await server.settle();
    // 'a' has expired but the last prune was under a minute ago.
    expect(readRecordRows(database).map((row) => row.idempotency_key)).toEqual(['a', 'b']);
    nowMs = 60_000;
    await (await post(server, { key: 'c' })).text();
    await server.settle();
    expect(readRecordRows(database).map((row) => row.idempotency_key)).toEqual(['c']);
  });
});
