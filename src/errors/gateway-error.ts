import type { ErrorCode } from './codes.js';
import { errorCodes } from './codes.js';

export interface GatewayErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  /** The request field at fault, when there is one (OpenAI's `param`). */
  readonly param?: string;
  readonly cause?: unknown;
  /** Whether another attempt (same or other endpoint) could succeed. */
  readonly isRetryable?: boolean;
  /** Whether `message` is safe to show the client. Internal errors are not. */
  readonly expose?: boolean;
  /** Seconds the client should wait before retrying (sets `Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** Overrides the status from the code table (e.g. an upstream 4xx passed through). */
  readonly status?: number;
}

/** The one error type that crosses module boundaries. Rendered once per client dialect. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly isRetryable: boolean;
  readonly expose: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly status: number;

  constructor(options: GatewayErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'GatewayError';
    this.code = options.code;
    this.param = options.param;
    this.isRetryable = options.isRetryable ?? false;
    this.expose = options.expose ?? options.code !== 'internal_error';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status ?? errorCodes[options.code].status;
  }
}

/** Upstream HTTP failure, modelled on the AI SDK's APICallError. */
export class UpstreamError extends GatewayError {
  readonly url: string;
  readonly statusCode: number | undefined;
  /** Truncated, redacted body for logs; never shown to clients verbatim. */
  readonly responseBody: string | undefined;
  readonly providerId: string;

  constructor(
    options: GatewayErrorOptions & {
      readonly url: string;
      readonly statusCode: number | undefined;
      readonly responseBody: string | undefined;
      readonly providerId: string;
    },
  ) {
    super(options);
    this.name = 'UpstreamError';
    this.url = options.url;
    this.statusCode = options.statusCode;
    this.responseBody = options.responseBody;
    this.providerId = options.providerId;
  }
}

/** Statuses worth another attempt: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
