import type { Endpoint, OpenAIDialect } from '../../catalog/catalog-types.js';
import { createBaseTestEndpoint, createFixtureReaders } from '../shared/adapter-test-support.js';
import { createStreamReader } from './outbound/read-stream.js';

export const { readFixtureStream, readFixtureJson } = createFixtureReaders(
  new URL('./__fixtures__/', import.meta.url),
  createStreamReader,
);

/** A minimal endpoint for adapter tests. */
export function createTestEndpoint(dialect: Partial<OpenAIDialect> = {}): Endpoint {
  return createBaseTestEndpoint({
    protocol: 'openai-chat',
    openai: {
      maxTokensField: 'max_tokens',
      reasoningField: 'reasoning_content',
      sendsStreamOptions: true,
      thinkingControl: 'reasoning_effort',
      sendsTopK: false,
      sendsCacheControl: false,
      ...dialect,
    },
  });
}
