import { GatewayError } from '../errors/index.js';
import { OutboundRefusedError } from '../net/index.js';

/** undici error codes that mean the upstream took too long (connect, headers, or between body chunks). */
const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * System errors that mean this process, not the provider, ran out of something: descriptors (each open stream holds
 * two sockets), kernel socket buffers or memory.
 */
const localExhaustionCodes = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/**
 * Converts a transport failure (undici / socket error) into a GatewayError.
 * Connect failures and resets are retryable: nothing reached the client yet. A local resource running out is the
 * gateway's own overload (503 `gateway_overloaded`, `Retry-After: 1`): the provider was never reached and is not
 * blamed for it.
 */
export function mapTransportError(error: unknown, providerId: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof OutboundRefusedError) {
    // Nothing was sent. The refused address stays in the cause, for logs: echoing it would map the private network.
    return new GatewayError({
      code: 'upstream_error',
      message: `Provider ${providerId} was not contacted: the outbound guard refused its address (${error.reason}).`,
      cause: error,
      isRetryable: true,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : 'unknown';
  if (localExhaustionCodes.has(codeText)) {
    return new GatewayError({
      code: 'gateway_overloaded',
      message: `The gateway could not open a connection to provider ${providerId}: it is out of ${codeText === 'ENOMEM' ? 'memory' : 'sockets'} (${codeText}). Retry shortly.`,
      cause: error,
      retryAfterSeconds: 1,
    });
  }
  if (timeoutCodes.has(codeText)) {
    return new GatewayError({
      code: 'upstream_timeout',
      message: `Provider ${providerId} did not answer in time (${codeText}).`,
      cause: error,
      isRetryable: true,
    });
  }
  return new GatewayError({
    code: 'upstream_error',
    message: `Could not reach provider ${providerId} (${codeText}).`,
    cause: error,
    isRetryable: true,
  });
}
