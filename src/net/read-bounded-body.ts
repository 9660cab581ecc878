import { OutboundResponseTooLargeError } from './outbound-response-too-large-error.js';

/** A response body that can be read chunk by chunk and torn down early. */
export interface ResponseBody extends AsyncIterable<Buffer> {
  destroy(): unknown;
  on(event: 'error', listener: () => void): unknown;
}

/**
 * Reads a whole response body, refusing more than `bodyBytesMax`: a URL supplied by
 * a client can point at an endless or huge resource, which must not take the
 * process's memory with it. A declared `content-length` above the limit fails before
 * reading; otherwise the count is checked per chunk, and the connection torn down.
 */
export async function readBoundedBody(
  body: ResponseBody,
  options: { readonly bodyBytesMax: number; readonly contentLength: number | undefined; readonly url: string },
): Promise<Buffer> {
  const tooLarge = (): OutboundResponseTooLargeError =>
    new OutboundResponseTooLargeError({ url: options.url, bodyBytesMax: options.bodyBytesMax });
  if (options.contentLength !== undefined && options.contentLength > options.bodyBytesMax) {
    discardBody(body);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > options.bodyBytesMax) {
      discardBody(body);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes);
}

/** Closes the connection under a body nobody will read; the abort it reports is expected, not an error. */
export function discardBody(body: ResponseBody): void {
  body.on('error', () => undefined);
  body.destroy();
}
