import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { describeEmbeddingsCall, startEmbeddingsSpan } from './embeddings-span.js';
import { noopTraceSpan, setTracerProvider } from './start-span.js';

const exporter = new InMemorySpanExporter();

afterEach(() => {
  setTracerProvider(undefined);
  exporter.reset();
});

describe('embeddings span', () => {
  it('is the no-op span while tracing is off', () => {
    expect(startEmbeddingsSpan({ model: 'openai/text-embedding-3-small', requestId: 'req-1' })).toBe(noopTraceSpan);
  });

  it('names the operation and model, then adds provider, server, tokens and charge; never the inputs', () => {
    setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const span = startEmbeddingsSpan({ model: 'openai/text-embedding-3-small', requestId: 'req-1' });
    describeEmbeddingsCall(span, {
      providerId: 'openai',
      baseUrl: 'https://user:secret@api.openai.com/v1',
      upstreamModel: 'text-embedding-3-small',
      inputTokens: 12,
      chargeNanos: 240n,
    });
    span.end();
    const [finished] = exporter.getFinishedSpans();
    expect([finished!.name, finished!.kind, finished!.status.code]).toEqual([
      'embeddings openai/text-embedding-3-small',
      SpanKind.SERVER,
      SpanStatusCode.UNSET,
    ]);
    expect(finished!.attributes).toEqual({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'openai/text-embedding-3-small',
      'meridian.request_id': 'req-1',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'text-embedding-3-small',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'gen_ai.usage.input_tokens': 12,
      'meridian.charge_nanos': 240,
    });
  });
});
