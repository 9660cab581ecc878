import { errorCodes } from '../../errors/index.js';
import type { GatewayError } from '../../errors/index.js';
import type { RenderedError } from '../adapter-types.js';
import { isFinalError } from './is-final-error.js';

/** A GatewayError in OpenAI's error shape (Chat Completions and Responses alike), with the request id in the body and the headers. */
export function renderOpenAiError(error: GatewayError, requestId: string): RenderedError {
  const body = JSON.stringify({
    error: {
      message: error.expose ? error.message : 'The gateway hit an internal error.',
      type: errorCodes[error.code].openaiType,
      param: error.param ?? null,
      code: error.code,
      request_id: requestId,
    },
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': requestId,
    'request-id': requestId,
  };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (isFinalError(error)) headers['x-should-retry'] = 'false';
  return { status: error.status, body, headers };
}
