import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { decodeUpstreamBody } from './decode-upstream-body.js';
import { UpstreamBody } from './upstream-body.js';

function createRaw() {
  const source = { resume: vi.fn(), abort: vi.fn() };
  return { raw: new UpstreamBody(source), source };
}

async function readAll(body: UpstreamBody): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('decodeUpstreamBody', () => {
  it('passes a body without a coding, or with identity or an unknown one, through as it is', () => {
    const { raw } = createRaw();
    expect(decodeUpstreamBody(raw, undefined)).toBe(raw);
    expect(decodeUpstreamBody(raw, 'identity')).toBe(raw);
    expect(decodeUpstreamBody(raw, 'zstd')).toBe(raw);
    expect(decodeUpstreamBody(raw, 'toString')).toBe(raw);
  });

  it('decodes gzip arriving one byte at a time', async () => {
    const { raw } = createRaw();
    const decoded = decodeUpstreamBody(raw, 'GZIP');
    const reading = readAll(decoded);
    for (const byte of gzipSync('data: {"a":1}\n\n'.repeat(100))) raw.push(Buffer.from([byte]));
    raw.end();
    expect(await reading).toBe('data: {"a":1}\n\n'.repeat(100));
  });

  it('fails with upstream_invalid_response on bytes that do not decode', async () => {
    const { raw } = createRaw();
    const reading = readAll(decodeUpstreamBody(raw, 'gzip'));
    raw.push(Buffer.from('{"not":"gzip"}'));
    raw.end();
    await expect(reading).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });

  it('aborts the exchange when its reader destroys the decoded body', () => {
    const { raw, source } = createRaw();
    decodeUpstreamBody(raw, 'gzip').destroy(new Error('client left'));
    expect(source.abort).toHaveBeenCalledOnce();
  });
});
