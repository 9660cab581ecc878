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

/**
 * The first `bytesMax` bytes of an error body (for logs and messages). Reading stops as soon as a chunk goes past
 * them: leaving the loop ends the exchange (the body is destroyed, its connection closed rather than reused half
 * read), so a provider or proxy sending an endless error body, or a small compressed one that decodes to gigabytes,
 * costs no more than `bytesMax` decoded bytes. A body of exactly `bytesMax` bytes is read to its end.
 */
export async function readBodyTextTruncated(body: AsyncIterable<Buffer>, bytesMax: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const kept = chunk.subarray(0, bytesMax - bytes);
    chunks.push(kept);
    bytes += kept.length;
    if (kept.length < chunk.length) break;
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}
