/**
 * A guarded request's response body passed its byte limit; the rest was discarded
 * unread. Separate from a refusal: here the request was sent.
 */
export class OutboundResponseTooLargeError extends Error {
  readonly code = 'outbound_response_too_large' as const;
  /** The target, with credentials, query and fragment removed. */
  readonly url: string;
  readonly bodyBytesMax: number;
  readonly isRetryable = false;

  constructor(options: { readonly url: string; readonly bodyBytesMax: number }) {
    super(`The response from ${options.url} exceeded ${options.bodyBytesMax} bytes.`);
    this.name = 'OutboundResponseTooLargeError';
    this.url = options.url;
    this.bodyBytesMax = options.bodyBytesMax;
  }
}
