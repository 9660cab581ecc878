import { describe, expect, it } from 'vitest';
import { mapUpstreamStatus } from './map-upstream-status.js';

function failure(statusCode: number, message: string, providerCode?: string, headers: Record<string, string> = {}) {
  return mapUpstreamStatus({
    providerId: 'deepseek',
    url: 'https://api.example.test/v1/chat/completions',
    statusCode,
    headers,
    bodyText: '{"error":{}}',
    message,
    providerCode,
    nowMs: 0,
  });
}

describe('mapUpstreamStatus', () => {
  it.each([
    [400, 'bad parameter', undefined, 'invalid_request', 400, false],
    [422, 'unprocessable', undefined, 'invalid_request', 400, false],
    [400, 'This model maximum context length is 131072 tokens', undefined, 'context_length_exceeded', 400, false],
    [400, 'too long', 'context_length_exceeded', 'context_length_exceeded', 400, false],
    [401, 'Invalid API key', undefined, 'upstream_error', 502, false],
    [403, 'forbidden', undefined, 'upstream_error', 502, false],
    [404, 'model not found', undefined, 'upstream_error', 502, false],
    [408, 'timeout', undefined, 'upstream_timeout', 504, true],
    [413, 'too large', undefined, 'payload_too_large', 413, false],
    [429, 'slow down', undefined, 'upstream_rate_limited', 429, true],
    [
      429,
      'Tokens per minute limit exceeded - too many tokens processed.',
      undefined,
      'upstream_rate_limited',
      429,
      true,
    ],
    [500, 'boom', undefined, 'upstream_error', 502, true],
    [503, 'overloaded', undefined, 'upstream_error', 502, true],
    [504, 'gateway timeout', undefined, 'upstream_timeout', 504, true],
  ])('HTTP %i %j (%j) → %s / %i, retryable %j', (status, message, providerCode, code, clientStatus, isRetryable) => {
    const error = failure(status, message, providerCode);
    expect({ code: error.code, status: error.status, isRetryable: error.isRetryable }).toEqual({
      code,
      status: clientStatus,
      isRetryable,
    });
    expect(error.statusCode).toBe(status);
    expect(error.providerId).toBe('deepseek');
  });

  it.each([
    ['Anthropic', 'prompt is too long: 208310 tokens > 200000 maximum'],
    [
      'Anthropic (input + max_tokens)',
      'input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000, decrease input length or `max_tokens` and try again',
    ],
    ['Gemini', 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).'],
    ['xAI', "This model's maximum prompt length is 131072 but the request contains 136973 tokens."],
    ['Moonshot', 'Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)'],
    [
      'OpenAI',
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    ],
  ])('reads a %s context overflow (HTTP 400) as context_length_exceeded', (_provider, message) => {
    expect(failure(400, message).code).toBe('context_length_exceeded');
  });

  it('passes Retry-After on, in seconds', () => {
    expect(failure(429, 'slow down', undefined, { 'retry-after': '7' }).retryAfterSeconds).toBe(7);
  });

  it("names the provider, keeps the upstream message for client faults and drops it for the operator's", () => {
    expect(failure(400, 'temperature must be ≤ 2').message).toBe(
      'Provider deepseek rejected the request: temperature must be ≤ 2',
    );
    expect(failure(500, 'boom').message).toBe('Provider deepseek returned HTTP 500.');
    expect(failure(401, 'Incorrect API key provided: sk-live-123').message).toBe(
      'Provider deepseek returned HTTP 401.',
    );
    expect(failure(307, 'moved').message).toBe(
      'Provider deepseek answered with a redirect (HTTP 307), which the gateway does not follow.',
    );
  });
});
