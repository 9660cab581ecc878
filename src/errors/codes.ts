/**
 * The one table of error codes: code → HTTP status → OpenAI error `type` →
 * Anthropic error `type`. Codes are stable snake_case strings that clients see;
 * `docs/errors.md` lists every one (enforced by `codes.test.ts`).
 */
export const errorCodes = {
  invalid_request: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  invalid_json: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  authentication_failed: { status: 401, openaiType: 'authentication_error', anthropicType: 'authentication_error' },
  insufficient_credits: { status: 402, openaiType: 'insufficient_quota', anthropicType: 'billing_error' },
  permission_denied: { status: 403, openaiType: 'permission_error', anthropicType: 'permission_error' },
  csrf_failed: { status: 403, openaiType: 'permission_error', anthropicType: 'permission_error' },
  not_found: { status: 404, openaiType: 'not_found_error', anthropicType: 'not_found_error' },
  model_not_found: { status: 404, openaiType: 'not_found_error', anthropicType: 'not_found_error' },
  method_not_allowed: { status: 405, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  request_timeout: { status: 408, openaiType: 'timeout_error', anthropicType: 'timeout_error' },
  payload_too_large: { status: 413, openaiType: 'invalid_request_error', anthropicType: 'request_too_large' },
  headers_too_large: { status: 431, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  unsupported_media_type: { status: 415, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  context_length_exceeded: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  rate_limited: { status: 429, openaiType: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  idempotency_conflict: { status: 409, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  key_limit_reached: { status: 402, openaiType: 'insufficient_quota', anthropicType: 'billing_error' },
  no_available_provider: { status: 503, openaiType: 'server_error', anthropicType: 'overloaded_error' },
  upstream_error: { status: 502, openaiType: 'server_error', anthropicType: 'api_error' },
  upstream_rate_limited: { status: 429, openaiType: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  upstream_timeout: { status: 504, openaiType: 'timeout_error', anthropicType: 'timeout_error' },
  upstream_invalid_response: { status: 502, openaiType: 'server_error', anthropicType: 'api_error' },
  ledger_unavailable: { status: 503, openaiType: 'server_error', anthropicType: 'overloaded_error' },
  shutting_down: { status: 503, openaiType: 'server_error', anthropicType: 'overloaded_error' },
  gateway_overloaded: { status: 503, openaiType: 'server_error', anthropicType: 'overloaded_error' },
  outbound_url_refused: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  provider_exists: { status: 409, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  secrets_unavailable: { status: 503, openaiType: 'server_error', anthropicType: 'api_error' },
  internal_error: { status: 500, openaiType: 'server_error', anthropicType: 'api_error' },
} as const satisfies Record<string, { status: number; openaiType: string; anthropicType: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** Every code, for tests and docs. */
export const allErrorCodes = Object.keys(errorCodes) as ErrorCode[];
