import { GatewayError } from '../errors/index.js';

/**
 * Reads a whole upstream body as UTF-8 text, refusing more than `bytesMax`
 * (an upstream that sends gigabytes must not take the process down).
 */
export async function readBodyText(body: AsyncIterable<Buffer>, bytesMax: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > bytesMax) {
      throw new GatewayError({
        code: 'upstream_invalid_response',
        message: `The provider's response exceeded ${bytesMax} bytes.`,
        isRetryable: false,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}

/** Reads at most `bytesMax` bytes of an error body and discards the rest (for logs and messages). */
export async function readBodyTextTruncated(body: AsyncIterable<Buffer>, bytesMax: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    if (bytes < bytesMax) {
      const kept = chunk.subarray(0, bytesMax - bytes);
      chunks.push(kept);
      bytes += kept.length;
    }
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}
