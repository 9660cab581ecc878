import { errorCodes } from '../../../errors/index.js';
import type { GatewayError } from '../../../errors/index.js';
import type { RenderedError } from '../../adapter-types.js';
import { isFinalError } from '../../shared/is-final-error.js';

/** The error object Anthropic puts in error bodies and `error` stream events, plus Meridian's stable `code`. */
export function renderErrorObject(error: GatewayError): Record<string, unknown> {
  return {
    type: errorCodes[error.code].anthropicType,
    message: error.expose ? error.message : 'The gateway hit an internal error.',
    code: error.code,
  };
}

/**
 * A GatewayError in Anthropic's error shape, with the request id in the body and in the headers: Anthropic's
 * `request-id`, and the `x-request-id` every Meridian answer carries (docs/errors.md).
 */
export function renderError(error: GatewayError, requestId: string): RenderedError {
  const body = JSON.stringify({ type: 'error', error: renderErrorObject(error), request_id: requestId });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': requestId,
    'x-request-id': requestId,
  };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (isFinalError(error)) headers['x-should-retry'] = 'false';
  return { status: error.status, body, headers };
}
