import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { decodeUpstreamBody } from './decode-upstream-body.js';
import { readBodyTextTruncated } from './read-body-text.js';
import { UpstreamBody } from './upstream-body.js';

/** A body whose exchange answers each resume with the next chunk, up to `chunksMax` (a bounded endless body). */
function createEndlessBody(chunk: Buffer, chunksMax: number) {
  let sent = 0;
  const source = {
    resume: vi.fn(() => {
      while (sent < chunksMax && body.push(chunk)) sent += 1;
      if (sent === chunksMax) body.end();
    }),
    abort: vi.fn(),
  };
  const body: UpstreamBody = new UpstreamBody(source);
  return { body, source, sentChunks: () => sent };
}

describe('readBodyTextTruncated', () => {
  it('stops reading an endless error body at the limit and ends the exchange', async () => {
    const { body, source, sentChunks } = createEndlessBody(Buffer.from('x'.repeat(1_000)), 10_000);
    expect(await readBodyTextTruncated(body, 4_096)).toBe('x'.repeat(4_096));
    expect(source.abort).toHaveBeenCalledTimes(1);
    expect(body.destroyed).toBe(true);
    expect(sentChunks()).toBeLessThan(100);
  });

  it('stops decoding a gzip bomb once the decoded text reaches the limit, and ends the exchange', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 'a'));
    const source = { resume: vi.fn(), abort: vi.fn() };
    const raw = new UpstreamBody(source);
    const reading = readBodyTextTruncated(decodeUpstreamBody(raw, 'gzip'), 4_096);
    for (let offset = 0; offset < bomb.length && !raw.destroyed; offset += 1_024) {
      raw.push(bomb.subarray(offset, offset + 1_024));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Not ended: zlib decodes on the thread pool and may still be behind the last chunk pushed (a loaded machine); the
    // reading must stop at the limit on its own, never because the body ran out.
    expect(await reading).toBe('a'.repeat(4_096));
    expect(source.abort).toHaveBeenCalledTimes(1);
  });

  it('reads a body of exactly the limit to its end, leaving the exchange to finish', async () => {
    const source = { resume: vi.fn(), abort: vi.fn() };
    const body = new UpstreamBody(source);
    const reading = readBodyTextTruncated(body, 10);
    body.push(Buffer.from('0123456789'));
    body.end();
    expect(await reading).toBe('0123456789');
    expect(source.abort).not.toHaveBeenCalled();
  });
});
