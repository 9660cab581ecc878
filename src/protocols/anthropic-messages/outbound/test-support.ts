import type { Endpoint } from '../../../catalog/catalog-types.js';
import type { ChatRequest } from '../../../spec/index.js';
import {
  createBaseTestEndpoint,
  createBaseTestRequest,
  createFixtureReaders,
} from '../../shared/adapter-test-support.js';
import { createStreamReader } from './read-stream.js';

export const { readFixtureStream, readFixtureJson } = createFixtureReaders(
  new URL('../__fixtures__/', import.meta.url),
  createStreamReader,
);

/** A minimal canonical request: one user message, no options. */
export function createTestRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return createBaseTestRequest('anthropic-messages', { model: 'anthropic/claude-test', ...overrides });
}

/** A minimal Anthropic-protocol endpoint for adapter tests. */
export function createTestEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return createBaseTestEndpoint(
    {
      id: 'test-anthropic',
      protocol: 'anthropic-messages',
      authHeader: 'x-api-key',
      openai: {
        maxTokensField: 'max_tokens',
        reasoningField: 'reasoning_content',
        sendsStreamOptions: false,
        thinkingControl: 'reasoning_effort',
        sendsTopK: false,
        sendsCacheControl: false,
      },
    },
    { upstreamModel: 'claude-test-model', contextLength: 200_000, ...overrides },
  );
}
