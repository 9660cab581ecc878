import type { Endpoint } from '../../catalog/catalog-types.js';
import type { ChatRequest } from '../../spec/index.js';
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
      },
      country: 'US',
    },
    { upstreamModel: 'gemini-2.5-flash', contextLength: 1_048_576 },
  );
}
