import type { ErrorCode } from '../errors/index.js';
import { UpstreamError, isRetryableStatus } from '../errors/index.js';
import { parseRetryAfter } from './parse-retry-after.js';

export interface UpstreamFailure {
  readonly providerId: string;
  readonly url: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly bodyText: string;
  /** What the protocol's error-body reader understood. */
  readonly message: string;
  readonly providerCode: string | undefined;
  readonly nowMs: number;
}

/**
 * Maps an upstream non-2xx answer to the error the client sees. The client's own
 * mistakes (400, 413, 422 and context-length errors) keep their meaning; the
 * operator's problems (401/403/404 from the provider: bad provider key, unknown
 * upstream model) become 502, since the client cannot fix them.
 */
export function mapUpstreamStatus(failure: UpstreamFailure): UpstreamError {
  const code = chooseCode(failure.statusCode, failure.providerCode, failure.message);
  const isClientFault =
    code === 'invalid_request' || code === 'context_length_exceeded' || code === 'payload_too_large';
  return new UpstreamError({
    code,
    // The provider's own words reach the client only when the client can act on them (its request was wrong);
    // for the operator's problems (bad provider key, outage) they may name accounts or echo credentials.
    message: isClientFault
      ? `Provider ${failure.providerId} rejected the request: ${failure.message}`
      : describeOperatorFault(failure),
    isRetryable: isRetryableStatus(failure.statusCode),
    retryAfterSeconds: parseRetryAfter(failure.headers['retry-after'], failure.nowMs),
    url: failure.url,
    statusCode: failure.statusCode,
    responseBody: failure.bodyText,
    providerId: failure.providerId,
  });
}

/**
 * A redirect is named as one: upstream clients never follow them (a provider created through the API must not
 * steer the gateway to another address), so an operator seeing it knows the base URL is out of date.
 */
function describeOperatorFault(failure: UpstreamFailure): string {
  return failure.statusCode >= 300 && failure.statusCode < 400
    ? `Provider ${failure.providerId} answered with a redirect (HTTP ${failure.statusCode}), which the gateway does not follow.`
    : `Provider ${failure.providerId} returned HTTP ${failure.statusCode}.`;
}

/**
 * How providers say a prompt does not fit the model's context, beyond OpenAI's `context_length_exceeded` code:
 * OpenAI-compatible servers ("maximum context length is …"), Anthropic ("prompt is too long: 208310 tokens > 200000
 * maximum", "input length and `max_tokens` exceed context limit: …"), Gemini ("The input token count (…) exceeds the
 * maximum number of tokens allowed (…)"), xAI ("maximum prompt length is …"), Moonshot ("Your request exceeded model
 * token limit: …").
 */
const contextOverflowPattern = new RegExp(
  [
    'context length',
    'context window',
    'too many tokens',
    'prompt is too long',
    'exceeds? (?:the )?context limit',
    'input token count \\(?\\d+\\)? exceeds the maximum',
    'maximum prompt length',
    'exceeded model token limit',
  ].join('|'),
  'i',
);

function chooseCode(statusCode: number, providerCode: string | undefined, message: string): ErrorCode {
  // A 429 is a rate limit whatever its words: Cerebras says "Tokens per minute limit exceeded - too many tokens
  // processed.", which is no context overflow (the pattern below would make it the client's 400).
  if (statusCode === 429) return 'upstream_rate_limited';
  if (providerCode === 'context_length_exceeded' || contextOverflowPattern.test(message)) {
    return 'context_length_exceeded';
  }
  if (statusCode === 408 || statusCode === 504) return 'upstream_timeout';
  if (statusCode === 413) return 'payload_too_large';
  if (statusCode === 400 || statusCode === 422) return 'invalid_request';
  return 'upstream_error';
}
