import { describe, expect, it } from 'vitest';
import { createTestEndpoint, readFixtureJson } from '../test-support.js';
import { buildEmbeddingsRequest } from './build-embeddings-request.js';
import { readEmbeddingsResponse } from './read-embeddings-response.js';

describe('buildEmbeddingsRequest', () => {
  it('one batchEmbedContents request per input, in order, with the output dimensionality', () => {
    const endpoint = { ...createTestEndpoint(), upstreamModel: 'gemini-embedding-001' };
    const upstream = buildEmbeddingsRequest(
      { model: 'google/gemini-embedding-001', input: ['first', 'second'], dimensions: 768, user: 'u1' },
      endpoint,
    );
    expect({ ...upstream, body: JSON.parse(String(upstream.body)) as unknown }).toEqual({
      path: '/models/gemini-embedding-001:batchEmbedContents',
      headers: { 'content-type': 'application/json' },
      body: {
        requests: [
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first' }] }, outputDimensionality: 768 },
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] }, outputDimensionality: 768 },
        ],
      },
    });
  });

  it("puts a passthrough model name (the client's text) in the path as one encoded segment", () => {
    const endpoint = { ...createTestEndpoint(), upstreamModel: '../../files?x=1#' };
    expect(buildEmbeddingsRequest({ model: 'm', input: ['x'] }, endpoint).path).toBe(
      '/models/..%2F..%2Ffiles%3Fx%3D1%23:batchEmbedContents',
    );
  });

  it('leaves outputDimensionality out when no dimensions were asked', () => {
    const upstream = buildEmbeddingsRequest({ model: 'm', input: ['x'] }, createTestEndpoint());
    expect(JSON.parse(String(upstream.body))).toEqual({
      requests: [{ model: 'models/gemini-2.5-flash', content: { parts: [{ text: 'x' }] } }],
    });
  });
});

describe('readEmbeddingsResponse', () => {
  it('gemini-embeddings: vectors in order, tokens unknown when Gemini does not report them', () => {
    expect(readEmbeddingsResponse(readFixtureJson('gemini-embeddings.1.json'), 2)).toEqual({
      upstreamId: undefined,
      embeddings: [
        [0.0131, -0.0084, 0.0472, -0.0219],
        [-0.0312, 0.0057, 0.0198, 0.0641],
      ],
      inputTokens: undefined,
    });
  });

  it('reads prompt tokens from usageMetadata when present', () => {
    const usageMetadata = { promptTokenCount: 12 };
    expect(readEmbeddingsResponse({ embeddings: [{ values: [1, 2] }], usageMetadata })).toEqual({
      upstreamId: undefined,
      embeddings: [[1, 2]],
      inputTokens: 12,
      rawUsage: usageMetadata,
    });
  });

  it.each([
    ['no embeddings array', { embedding: { values: [1] } }],
    ['values not numbers', { embeddings: [{ values: [1, '2'] }] }],
    ['values missing', { embeddings: [{}] }],
    ['empty vector', { embeddings: [{ values: [] }] }],
    ['vectors of different lengths', { embeddings: [{ values: [1, 2] }, { values: [1] }] }],
    ['not an object', 'oops'],
  ])('throws upstream_invalid_response: %s', (_name, json) => {
    expect(() => readEmbeddingsResponse(json)).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it('throws upstream_invalid_response when the count differs from the inputs', () => {
    expect(() => readEmbeddingsResponse({ embeddings: [{ values: [1] }] }, 2)).toThrow(
      expect.objectContaining({
        code: 'upstream_invalid_response',
        message: 'The provider returned 1 embeddings for 2 inputs.',
      }),
    );
  });
});
