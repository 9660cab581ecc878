import type { Endpoint } from '../../catalog/catalog-types.js';
import type { ChatRequest, StreamEvent } from '../../spec/index.js';
import { createBaseTestEndpoint, createBaseTestRequest, createFixtureReaders } from '../shared/adapter-test-support.js';
import { createStreamReader } from './outbound/read-stream.js';

export const { readFixtureStream, readFixtureJson } = createFixtureReaders(
  new URL('./__fixtures__/', import.meta.url),
  createStreamReader,
);

/** A canonical request with one user message, for adapter tests; `overrides` replace any field. */
export function createTestRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return createBaseTestRequest('gemini', { model: 'google/gemini-2.5-flash', ...overrides });
}

/** A minimal Gemini endpoint for adapter tests. */
export function createTestEndpoint(): Endpoint {
  return createBaseTestEndpoint(
    {
      id: 'google-ai-studio',
      name: 'Google AI Studio',
      protocol: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      authHeader: 'x-goog-api-key',
      openai: {
        maxTokensField: 'max_tokens',
        reasoningField: 'reasoning_content',
        sendsStreamOptions: false,
        thinkingControl: 'reasoning_effort',
        sendsTopK: false,
        sendsCacheControl: false,
      },
      country: 'US',
    },
    { upstreamModel: 'gemini-2.5-flash', contextLength: 1_048_576 },
  );
}

/**
 * The run with the random part of the ids the gateway made for id-less calls replaced by `<nonce>`, so two reads of
 * one fixture compare equal (each stream draws its own nonce: create-tool-call-id).
 */
export function maskCreatedToolCallIds<Run extends { readonly events: readonly StreamEvent[] }>(run: Run): Run {
  const events = run.events.map((event) =>
    event.type === 'tool-call-start'
      ? { ...event, toolCallId: event.toolCallId.replace(/^call_[0-9a-f]{16}_/, 'call_<nonce>_') }
      : event,
  );
  return { ...run, events };
}
