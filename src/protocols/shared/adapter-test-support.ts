import { readFileSync } from 'node:fs';
import type { Endpoint, Provider } from '../../catalog/catalog-types.js';
import type { ChatRequest, ProtocolId, StreamEvent } from '../../spec/index.js';
import { createSseParser } from '../../streaming/index.js';
import type { StreamReader } from '../adapter-types.js';

/**
 * Test helpers every protocol folder shares: fixture readers bound to one
 * `__fixtures__` folder and one stream reader, and minimal requests/endpoints.
 */
export function createFixtureReaders(
  fixturesUrl: URL,
  createStreamReader: () => StreamReader,
): {
  readonly readFixtureStream: (name: string, chunkBytes?: number) => { events: StreamEvent[]; isComplete: boolean };
  readonly readFixtureJson: (name: string) => unknown;
} {
  const readBytes = (name: string): Buffer => readFileSync(new URL(name, fixturesUrl));
  return {
    /** Runs a recorded upstream stream through the real SSE parser and the reader, `chunkBytes` at a time. */
    readFixtureStream: (name, chunkBytes = 7) => {
      const bytes = readBytes(name);
      const reader = createStreamReader();
      const events: StreamEvent[] = [];
      const parser = createSseParser({
        eventBytesMax: 1 << 20,
        onEvent: (event) => events.push(...reader.readEvent(event.event, event.data)),
      });
      for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
        parser.push(bytes.subarray(offset, offset + chunkBytes));
      }
      parser.end();
      events.push(...reader.end());
      return { events, isComplete: reader.isComplete };
    },
    readFixtureJson: (name) => JSON.parse(readBytes(name).toString('utf8')) as unknown,
  };
}

/** A canonical request with one user message; `overrides` replace any field. */
export function createBaseTestRequest(protocol: ProtocolId, overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'test/model',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    stream: false,
    includeUsage: false,
    routingControls: {},
    passthrough: { protocol, fields: {} },
    ...overrides,
  };
}

/** A minimal endpoint for adapter tests; `provider` and `endpoint` override parts of it. */
export function createBaseTestEndpoint(
  provider: Partial<Provider> & Pick<Provider, 'protocol'>,
  endpoint: Partial<Endpoint> = {},
): Endpoint {
  return {
    provider: {
      id: 'test-provider',
      name: 'Test',
      baseUrl: 'http://127.0.0.1:1/v1',
      apiKey: 'k',
      authHeader: 'authorization',
      headers: {},
      openai: {
        maxTokensField: 'max_tokens',
        reasoningField: 'reasoning_content',
        sendsStreamOptions: true,
        thinkingControl: 'reasoning_effort',
        sendsTopK: false,
        sendsCacheControl: false,
      },
      country: undefined,
      dataCollection: undefined,
      isSandbox: false,
      timeouts: {},
      ...provider,
    },
    upstreamModel: 'upstream-model',
    prices: {
      promptNanosPerMillion: 1n,
      completionNanosPerMillion: 1n,
      cacheReadNanosPerMillion: undefined,
      cacheWriteNanosPerMillion: undefined,
      reasoningNanosPerMillion: undefined,
      published: { prompt: '0.000000001', completion: '0.000000001' },
    },
    schedule: [],
    contextLength: 1000,
    maxOutputTokens: undefined,
    quantization: undefined,
    dataCollection: undefined,
    priceAsOf: undefined,
    priceSource: undefined,
    ...endpoint,
  };
}
