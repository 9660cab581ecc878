import type { ResponseMeta } from '../../adapter-types.js';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import type { BilledUsage, ChatRequest } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import { renderOpenAiError as renderError } from '../../shared/render-openai-error.js';
import { createStreamRenderer } from './render-stream.js';

const meta: ResponseMeta = {
  generationId: 'gen-1-abc',
  requestId: 'req_test',
  model: 'a/b',
  orgId: 'acme',
  createdSeconds: 1795000000,
  providerName: 'p',
  upstreamProtocol: 'openai-chat',
  isReasoningShown: true,
  estimatePromptTokens: () => 0,
};
const billed: BilledUsage = {
  usage: createUnknownUsage(),
  promptTokens: 10,
  completionTokens: 4,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 1,
  costNanos: 4_480n,
  upstreamCostNanos: 4_480n,
  isEstimated: false,
};

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'a/b',
    messages: [],
    stream: true,
    includeUsage: false,
    routingControls: {},
    passthrough: { protocol: 'openai-chat', fields: {} },
    ...overrides,
  };
}

const head =
  '{"id":"gen-1-abc","object":"chat.completion.chunk","created":1795000000,"model":"a/b","provider":"p","choices":';

describe('createStreamRenderer', () => {
  it('renders role once per choice, text, reasoning (both field names), finish, then [DONE]', () => {
    const renderer = createStreamRenderer(request(), meta);
    expect(renderer.renderEvent({ type: 'response-start', upstreamId: 'x' })).toBe('');
    expect(renderer.renderEvent({ type: 'reasoning-delta', choice: 0, delta: 'hm' })).toBe(
      `data: ${head}[{"index":0,"delta":{"role":"assistant","reasoning":"hm","reasoning_content":"hm"},"finish_reason":null}]}\n\n`,
    );
    expect(renderer.renderEvent({ type: 'text-delta', choice: 0, delta: 'Hi' })).toBe(
      `data: ${head}[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n`,
    );
    expect(
      renderer.renderEvent({ type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'length' } }),
    ).toBe(`data: ${head}[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n`);
    expect(renderer.renderEnd(billed)).toBe('data: [DONE]\n\n');
  });

  it('hides reasoning when the client excluded it, and renders the usage chunk only when asked', () => {
    const renderer = createStreamRenderer(request({ includeUsage: true, reasoning: { exclude: true } }), meta);
    expect(renderer.renderEvent({ type: 'reasoning-delta', choice: 0, delta: 'secret' })).toBe('');
    expect(renderer.renderEnd(billed)).toBe(
      `data: ${head}[],"usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":1},"cost":0.00000448,"is_byok":false,"cost_details":{"upstream_inference_cost":0.00000448}}}\n\ndata: [DONE]\n\n`,
    );
  });

  it('renders a custom tool’s call as type custom with custom.input deltas, a function call beside it as before', () => {
    const renderer = createStreamRenderer(request(), meta);
    const frames = [
      renderer.renderEvent({
        type: 'tool-call-start',
        choice: 0,
        toolCallIndex: 0,
        toolCallId: 'call_c',
        toolName: 'c',
        isCustom: true,
      }),
      renderer.renderEvent({ type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: 'print(' }),
      renderer.renderEvent({
        type: 'tool-call-start',
        choice: 0,
        toolCallIndex: 1,
        toolCallId: 'call_f',
        toolName: 'f',
      }),
      renderer.renderEvent({ type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{}' }),
    ];
    expect(frames).toEqual([
      `data: ${head}[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_c","type":"custom","custom":{"name":"c","input":""}}]},"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{"tool_calls":[{"index":0,"custom":{"input":"print("}}]},"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_f","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}\n\n`,
      `data: ${head}[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":null}]}\n\n`,
    ]);
  });

  it('renders an in-band error with finish_reason "error"', () => {
    const renderer = createStreamRenderer(request(), meta);
    const error = new GatewayError({ code: 'upstream_error', message: 'boom' });
    expect(renderer.renderError(error, billed)).toBe(
      `data: ${head}[{"index":0,"delta":{"content":""},"finish_reason":"error"}],"error":{"code":"upstream_error","message":"boom"}}\n\ndata: [DONE]\n\n`,
    );
  });
});

describe('renderError', () => {
  it('hides internal messages and sets retry headers', () => {
    const internal = renderError(new GatewayError({ code: 'internal_error', message: 'stack trace here' }), 'req_1');
    expect(internal).toEqual({
      status: 500,
      body: '{"error":{"message":"The gateway hit an internal error.","type":"server_error","param":null,"code":"internal_error","request_id":"req_1"}}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_1', 'request-id': 'req_1' },
    });
    const limited = renderError(
      new GatewayError({ code: 'upstream_rate_limited', message: 'slow', retryAfterSeconds: 3 }),
      'req_2',
    );
    expect(limited.headers).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'req_2',
      'request-id': 'req_2',
      'retry-after': '3',
    });
    expect(
      renderError(new GatewayError({ code: 'invalid_request', message: 'x', param: 'n' }), 'req_3').headers[
        'x-should-retry'
      ],
    ).toBe('false');
  });

  it('marks 405 and a 409 for another body final, not a 409 "still in progress"', () => {
    const shouldRetry = (error: GatewayError) => renderError(error, 'req_4').headers['x-should-retry'];
    expect(shouldRetry(new GatewayError({ code: 'method_not_allowed', message: 'x' }))).toBe('false');
    expect(shouldRetry(new GatewayError({ code: 'idempotency_conflict', message: 'x' }))).toBe('false');
    expect(
      shouldRetry(new GatewayError({ code: 'idempotency_conflict', message: 'x', isRetryable: true })),
    ).toBeUndefined();
  });
});
