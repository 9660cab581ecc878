import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { noopTraceSpan, setTracerProvider, startSpan } from './start-span.js';

const exporter = new InMemorySpanExporter();

function install(sampler?: Sampler): void {
  setTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) }),
  );
}

afterEach(() => {
  setTracerProvider(undefined);
  exporter.reset();
});

describe('startSpan', () => {
  it('is the shared no-op span while no provider is installed (no tracer call, nothing exported)', () => {
    const span = startSpan('chat a', { 'gen_ai.request.model': 'a' }, { kind: 'server' });
    expect(span).toBe(noopTraceSpan);
    expect(span.isRecording).toBe(false);
    span.recordError('upstream_error');
    span.end();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('starts a child under an explicit parent, with its kind, and skips undefined attributes', () => {
    install();
    const parent = startSpan('chat a', { 'gen_ai.request.model': 'a' }, { kind: 'server' });
    const child = startSpan(
      'chat b',
      { 'gen_ai.request.max_tokens': undefined, 'meridian.attempt': 1 },
      { parent, kind: 'client' },
    );
    child.end();
    parent.end();
    const [childSpan, parentSpan] = exporter.getFinishedSpans();
    expect([childSpan!.name, childSpan!.kind, parentSpan!.name, parentSpan!.kind]).toEqual([
      'chat b',
      SpanKind.CLIENT,
      'chat a',
      SpanKind.SERVER,
    ]);
    expect(childSpan!.parentSpanContext?.spanId).toBe(parentSpan!.spanContext().spanId);
    expect(childSpan!.spanContext().traceId).toBe(parentSpan!.spanContext().traceId);
    expect(parentSpan!.parentSpanContext).toBeUndefined();
    expect(childSpan!.attributes).toEqual({ 'meridian.attempt': 1 });
    expect(childSpan!.instrumentationScope.name).toBe('meridian');
  });

  it('records an error as error.type and status ERROR, without a message or an exception event', () => {
    install();
    const span = startSpan('chat a', {});
    span.recordError('upstream_timeout');
    span.end();
    const [finished] = exporter.getFinishedSpans();
    expect(finished!.attributes).toEqual({ 'error.type': 'upstream_timeout' });
    expect(finished!.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(finished!.events).toEqual([]);
  });

  it('gives a child of an unsampled span the no-op span (the call was not sampled: nothing below it is)', () => {
    install(new AlwaysOffSampler());
    const parent = startSpan('chat a', {}, { kind: 'server' });
    expect(parent.isRecording).toBe(false);
    expect(parent).not.toBe(noopTraceSpan);
    expect(startSpan('chat b', {}, { parent })).toBe(noopTraceSpan);
    parent.end();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
