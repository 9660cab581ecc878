import type { GatewayError } from '../errors/index.js';
import { UpstreamError } from '../errors/index.js';
import type { FailureKind } from '../health/index.js';

/** The client's own mistakes: another endpoint would refuse them too, and the endpoint is not at fault. */
const clientFaults = new Set(['invalid_request', 'invalid_json', 'payload_too_large', 'context_length_exceeded']);
/**
 * This node's own state: the client gone, the node shutting down or out of sockets, its ledger unreachable or its
 * database unwritable (a settlement that cannot be stored after the provider answered: another endpoint would be
 * called, and paid, for nothing).
 */
const nodeConditions = new Set(['request_timeout', 'shutting_down', 'gateway_overloaded', 'ledger_unavailable']);

/** What an attempt's failure says about the endpoint; undefined when it says nothing (client fault, client gone). */
export function classifyFailure(error: GatewayError): FailureKind | undefined {
  // The client's fault, the client gone, this node shutting down, out of sockets or unable to store: nothing about
  // the endpoint, and no fallback (another endpoint would meet the same local limit).
  if (clientFaults.has(error.code) || nodeConditions.has(error.code)) {
    return undefined;
  }
  if (error.code === 'upstream_rate_limited') return 'rate-limited';
  if (error.code === 'upstream_timeout') return 'timeout';
  if (error.code === 'upstream_invalid_response') return 'invalid-response';
  if (error instanceof UpstreamError && error.statusCode !== undefined) return 'server-error';
  // Transport failures and error events before any output: the endpoint could not serve.
  return 'connection';
}

/**
 * Whether another endpoint may be tried: every endpoint fault may fail over (a 401 or 404 from one provider is
 * about that provider's key or model name); the client's own mistakes may not, except a context-length error,
 * which may move to an endpoint with a larger window.
 */
export function canFailOver(error: GatewayError): boolean {
  if (error.code === 'context_length_exceeded') return true;
  return classifyFailure(error) !== undefined;
}
