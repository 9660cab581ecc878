import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { GatewayError } from '../errors/index.js';
import { UpstreamBody } from './upstream-body.js';

/** The decoders for the content codings a provider (or a proxy in front of it) may use unasked. */
const decoders: Readonly<Record<string, () => Transform>> = {
  // Lenient at the end, as fetch is: a body cut right after its last complete block still yields that block.
  gzip: () => createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
  'x-gzip': () => createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
  deflate: () => createInflate({ finishFlush: constants.Z_SYNC_FLUSH }),
  br: () => createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH }),
};

/**
 * The body as the provider meant it. The gateway asks for no compression, but a proxy may compress anyway: such a
 * JSON answer would read as "not JSON" and such a stream as empty. One known coding is decoded as the body arrives
 * (an SSE stream stays a stream: every compressed block is passed on as soon as it decodes), with the body's
 * backpressure; size bounds then apply to the decoded bytes. No coding, `identity`, or one this cannot decode:
 * the body as it came.
 */
export function decodeUpstreamBody(raw: UpstreamBody, contentEncoding: string | string[] | undefined): UpstreamBody {
  const coding = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? ''))
    .trim()
    .toLowerCase();
  const createDecoder = Object.hasOwn(decoders, coding) ? decoders[coding] : undefined;
  if (createDecoder === undefined) return raw;
  const decoder = createDecoder();
  const decoded = new UpstreamBody({
    resume: () => decoder.resume(),
    abort: (reason) => {
      raw.destroy(reason);
      decoder.destroy();
    },
  });
  decoder.on('data', (chunk: Buffer) => {
    if (!decoded.push(chunk)) decoder.pause();
  });
  decoder.on('end', () => decoded.end());
  decoder.on('error', (error: Error) => {
    raw.destroy();
    decoded.fail(
      new GatewayError({
        code: 'upstream_invalid_response',
        message: `The provider's ${coding}-encoded body could not be decoded: ${error.message}`,
        cause: error,
        isRetryable: true,
      }),
    );
  });
  decoder.on('drain', () => raw.resume());
  raw.on('data', (chunk: Buffer) => {
    if (!decoder.write(chunk)) raw.pause();
  });
  raw.on('end', () => decoder.end());
  raw.on('error', (error: Error) => {
    decoder.destroy();
    decoded.fail(error);
  });
  return decoded;
}
