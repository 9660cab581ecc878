import { describe, expect, it } from 'vitest';
import { deriveResponseSealKey, openResponse, sealResponse } from './seal-response.js';

const key = deriveResponseSealKey(Buffer.alloc(32, 7));
const identity = { keyId: 'key-a', idempotencyKey: 'k1', fingerprint: 'f1', createdAtMs: 1_000 };
const response = {
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] },
  body: Buffer.from('data: {"delta":"secret completion é 🙂"}\n\ndata: [DONE]\n\n'),
};

describe('sealResponse / openResponse', () => {
  it('opens to the same status, headers and bytes, and holds none of them in the clear', () => {
    const sealed = sealResponse(key, identity, response);
    expect(openResponse(key, identity, sealed)).toEqual(response);
    for (const clear of ['secret completion', 'event-stream', 'a=1']) {
      expect(sealed.includes(Buffer.from(clear))).toBe(false);
    }
    // 1 version byte, 12 nonce, 4 head length, the head, the body, 16 tag.
    const head = JSON.stringify({ status: 200, headers: response.headers });
    expect(sealed.length).toBe(1 + 12 + 4 + Buffer.byteLength(head) + response.body.length + 16);
    expect(sealed[0]).toBe(1);
  });

  it('uses a fresh nonce per seal: the same answer seals to different bytes', () => {
    const first = sealResponse(key, identity, response);
    const second = sealResponse(key, identity, response);
    expect(first.subarray(1, 13).equals(second.subarray(1, 13))).toBe(false);
    expect(first.equals(second)).toBe(false);
  });

  it('keeps an empty body and binary bytes exact', () => {
    const binary = { status: 201, headers: { 'x-empty': '', 'x-list': [] }, body: Buffer.from([0, 255, 10, 13, 0]) };
    expect(openResponse(key, identity, sealResponse(key, identity, binary))).toEqual(binary);
    const empty = { status: 200, headers: {}, body: Buffer.alloc(0) };
    expect(openResponse(key, identity, sealResponse(key, identity, empty))).toEqual(empty);
  });

  it.each([
    ['another API key', { keyId: 'key-b' }],
    ['another Idempotency-Key', { idempotencyKey: 'k2' }],
    ['another request', { fingerprint: 'f2' }],
    ['a later claim of the same key', { createdAtMs: 1_001 }],
  ])('does not open for %s (a blob moved to another row)', (_name, other) => {
    const sealed = sealResponse(key, identity, response);
    expect(openResponse(key, { ...identity, ...other }, sealed)).toBeUndefined();
  });

  it('does not open under another pepper', () => {
    const sealed = sealResponse(key, identity, response);
    expect(openResponse(deriveResponseSealKey(Buffer.alloc(32, 8)), identity, sealed)).toBeUndefined();
  });

  it('does not open when any byte is altered, or when cut short', () => {
    const sealed = sealResponse(key, identity, response);
    for (let index = 0; index < sealed.length; index += 1) {
      const altered = Buffer.from(sealed);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(openResponse(key, identity, altered), `byte ${index}`).toBeUndefined();
    }
    for (const length of [0, 1, 28, 29, sealed.length - 1]) {
      expect(openResponse(key, identity, sealed.subarray(0, length)), `length ${length}`).toBeUndefined();
    }
  });

  it('derives one key per pepper, the same on every node and restart', () => {
    const sealed = sealResponse(deriveResponseSealKey(Buffer.alloc(32, 9)), identity, response);
    expect(openResponse(deriveResponseSealKey(Buffer.alloc(32, 9)), identity, sealed)).toEqual(response);
  });
});
