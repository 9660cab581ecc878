import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { limits } from '../config/index.js';
import { readJsonBodyWithBytes } from './read-json-body.js';

/** A request whose body the test writes piece by piece. */
function createRequest(): { request: IncomingMessage; body: PassThrough } {
  const body = new PassThrough();
  Object.assign(body, { headers: {} });
  return { request: body as unknown as IncomingMessage, body };
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: (error as { code?: string }).code, message: (error as Error).message }),
  );
}

describe('readJsonBodyWithBytes deadlines', () => {
  // One fake clock for the file: the deadlines' shared sweep is started once, on the clock of its first read.
  beforeAll(() => vi.useFakeTimers({ now: Date.UTC(2026, 11, 2) }));
  afterAll(() => vi.useRealTimers());

  it('answers 408 request_timeout when the body stops arriving for the idle limit', async () => {
    const { request, body } = createRequest();
    const result = settle(readJsonBodyWithBytes(request, 1_000));
    body.write('{"model":');
    await vi.advanceTimersByTimeAsync(limits.requestBodyIdleTimeoutMs - 1_000);
    body.write(' "m"');
    // Bytes came: the idle clock starts again.
    await vi.advanceTimersByTimeAsync(limits.requestBodyIdleTimeoutMs - 1_000);
    body.end('}');
    expect(await result).toEqual({ value: { value: { model: 'm' }, bytes: Buffer.from('{"model": "m"}') } });

    const stalled = createRequest();
    const failed = settle(readJsonBodyWithBytes(stalled.request, 1_000));
    stalled.body.write('{"model":');
    await vi.advanceTimersByTimeAsync(limits.requestBodyIdleTimeoutMs + 1_000);
    expect(await failed).toEqual({
      error: 'request_timeout',
      message: `The request body stopped arriving: nothing for ${limits.requestBodyIdleTimeoutMs / 1000} s.`,
    });
  });

  it('names the bound of the route it was read for when a body is too large', async () => {
    for (const [bytesMax, name] of [
      [limits.loginBodyBytesMax, 'loginBodyBytesMax'],
      [limits.requestBodyBytesMax, 'requestBodyBytesMax'],
    ] as const) {
      const { request, body } = createRequest();
      Object.assign(request, { headers: { 'content-length': String(bytesMax + 1) } });
      const result = settle(readJsonBodyWithBytes(request, bytesMax));
      body.end();
      expect(await result).toEqual({
        error: 'payload_too_large',
        message: `The request body exceeds the limit of ${bytesMax} bytes (limits.${name}).`,
      });
    }
  });

  it('answers a body cut by its client (the request errors) as request_timeout, not as an internal error', async () => {
    const { request, body } = createRequest();
    const result = settle(readJsonBodyWithBytes(request, 1_000));
    body.write('{"model":');
    body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    expect(await result).toEqual({
      error: 'request_timeout',
      message: 'The client closed the connection while sending its request body.',
    });
  });

  it('answers 408 request_timeout when a trickling body is still arriving after the total limit', async () => {
    const { request, body } = createRequest();
    const result = settle(readJsonBodyWithBytes(request, 100_000));
    body.write('[');
    const stepMs = limits.requestBodyIdleTimeoutMs / 2;
    for (let elapsedMs = 0; elapsedMs <= limits.requestBodyTotalTimeoutMs; elapsedMs += stepMs) {
      body.write('1,');
      await vi.advanceTimersByTimeAsync(stepMs);
    }
    expect(await result).toEqual({
      error: 'request_timeout',
      message: `The request body took longer than ${limits.requestBodyTotalTimeoutMs / 1000} s to arrive.`,
    });
  });
});

describe('readJsonBodyWithBytes encodings', () => {
  async function read(bytes: Buffer, headers: Record<string, string> = {}): Promise<unknown> {
    const { request, body } = createRequest();
    Object.assign(request, { headers });
    const result = settle(readJsonBodyWithBytes(request, 1_000));
    body.end(bytes);
    return result;
  }

  it('refuses bytes that are not UTF-8 instead of replacing them with U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('{"content":"h'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('i"}')]);
    expect(await read(bytes)).toEqual({
      error: 'invalid_json',
      message: 'The request body is not valid UTF-8; JSON must be sent as UTF-8 (RFC 8259).',
    });
    // A surrogate written as UTF-8 bytes (CESU-8) is not UTF-8 either; escaped, it is JSON's business.
    expect(await read(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toMatchObject({ error: 'invalid_json' });
    expect(await read(Buffer.from('{"content":"h\\ud800i é 日本"}'))).toEqual({
      value: { value: { content: 'h\ud800i é 日本' }, bytes: Buffer.from('{"content":"h\\ud800i é 日本"}') },
    });
  });

  it('ignores a leading UTF-8 byte order mark', async () => {
    const json = Buffer.from('{"model":"m"}');
    expect(await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]))).toEqual({
      value: { value: { model: 'm' }, bytes: json },
    });
  });

  it('refuses a compressed body with 415, and takes identity as no encoding', async () => {
    expect(await read(Buffer.from('{}'), { 'content-encoding': 'gzip' })).toEqual({
      error: 'unsupported_media_type',
      message: "Content-Encoding 'gzip' is not supported; send the JSON body uncompressed.",
    });
    expect(await read(Buffer.from('{}'), { 'content-encoding': 'identity, BR' })).toMatchObject({
      error: 'unsupported_media_type',
      message: "Content-Encoding 'br' is not supported; send the JSON body uncompressed.",
    });
    expect(await read(Buffer.from('{}'), { 'content-encoding': 'Identity' })).toEqual({
      value: { value: {}, bytes: Buffer.from('{}') },
    });
  });
});
