import { readFileSync } from 'node:fs';
import type { Endpoint, OpenAIDialect } from '../../catalog/catalog-types.js';
import type { StreamEvent } from '../../spec/index.js';
import { createSseParser } from '../../streaming/index.js';
import { createStreamReader } from './outbound/read-stream.js';

/** Reads a recorded upstream stream from __fixtures__ and runs it through the stream reader, chunk by chunk. */
export function readFixtureStream(name: string, chunkBytes = 7): { events: StreamEvent[]; isComplete: boolean } {
  const bytes = readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));
  const reader = createStreamReader();
  const events: StreamEvent[] = [];
  const parser = createSseParser({
    eventBytesMax: 1 << 20,
    onEvent: (event) => events.push(...reader.readEvent(event.event, event.data)),
  });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes)
    parser.push(bytes.subarray(offset, offset + chunkBytes));
  parser.end();
  events.push(...reader.end());
  return { events, isComplete: reader.isComplete };
}

export function readFixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

/** A minimal endpoint for adapter tests. */
export function createTestEndpoint(dialect: Partial<OpenAIDialect> = {}): Endpoint {
  return {
    provider: {
      id: 'test-provider',
      name: 'Test',
      protocol: 'openai-chat',
      baseUrl: 'http://127.0.0.1:1/v1',
      apiKey: 'k',
      authHeader: 'authorization',
      headers: {},
      openai: {
        maxTokensField: 'max_tokens',
        reasoningField: 'reasoning_content',
        sendsStreamOptions: true,
        ...dialect,
      },
      country: undefined,
      dataCollection: undefined,
      isSandbox: false,
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
  };
}
