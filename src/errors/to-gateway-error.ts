import { GatewayError } from './gateway-error.js';

/**
 * Normalises anything thrown into a GatewayError. Called once, at the pipeline
 * boundary; unknown errors become `internal_error` with a generic message.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError({
    code: 'internal_error',
    message: 'The gateway hit an internal error.',
    cause: error,
    expose: false,
  });
}
