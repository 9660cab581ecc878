import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../create-logger.js';
import { endSettlementSpan, startAttemptSpan, startCallSpan, startSettlementSpan } from './gen-ai-spans.js';
import { noopTraceSpan, startSpan } from './start-span.js';
import { startTracing } from './start-tracing.js';

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A fake OTLP/HTTP collector on 127.0.0.1 answering every export with `status`. */
async function startCollector(status: number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 200 ? '{}' : '{"code":3,"message":"bad"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, received, server };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

interface OtlpSpan {
  readonly name: string;
  readonly kind: number;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: { key: string; value: Record<string, unknown> }[];
}

describe('startTracing', () => {
  it('is off without settings: no SDK, spans stay the no-op', async () => {
    const tracing = await startTracing(undefined, createLogger({ level: 'silent' }));
    expect(tracing.isEnabled).toBe(false);
    expect(startSpan('chat a', {})).toBe(noopTraceSpan);
    await tracing.shutdown();
  });

  it('exports the span tree as OTLP JSON to the endpoint and flushes it on shutdown', async () => {
    const collector = await startCollector(200);
    server = collector.server;
    const tracing = await startTracing(
      { otlpEndpoint: collector.url, serviceName: 'meridian-test', sampleRatio: 1 },
      createLogger({ level: 'silent' }),
    );
    expect(tracing.isEnabled).toBe(true);
    const call = startCallSpan({ model: 'test/a', maxOutputTokens: 20, isStreaming: false, requestId: 'req-1' });
    const attempt = startAttemptSpan(call, {
      providerId: 'deepseek',
      baseUrl: 'https://user:pass@api.deepseek.com/v1?key=x',
      upstreamModel: 'deepseek-chat',
      modelId: 'test/a',
      maxOutputTokens: 20,
      attemptNumber: 1,
    });
    const settle = startSettlementSpan(
      { call, attempt },
      {
        id: 'gen-1',
        modelId: 'test/a',
        providerId: 'deepseek',
        upstreamId: 'up-1',
        tokensInputTotal: 7,
        tokensOutputTotal: 3,
        isUsageEstimated: false,
        finishReason: 'length',
        ending: 'success',
        errorCode: null,
      },
    );
    endSettlementSpan(settle, { costNanos: 12_345n });
    attempt.end();
    call.end();
    await tracing.shutdown();
    expect(startSpan('after', {})).toBe(noopTraceSpan);

    expect(collector.received.map((request) => [request.path, request.contentType])).toEqual([
      ['/v1/traces', 'application/json'],
    ]);
    const payload = JSON.parse(collector.received[0]!.body) as {
      resourceSpans: { resource: { attributes: unknown[] }; scopeSpans: { scope: unknown; spans: OtlpSpan[] }[] }[];
    };
    const [resourceSpans] = payload.resourceSpans;
    expect(resourceSpans!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'meridian-test' } },
    ]);
    const [scopeSpans] = resourceSpans!.scopeSpans;
    expect(scopeSpans!.scope).toEqual({ name: 'meridian' });
    const spans = scopeSpans!.spans;
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect(spans.map((span) => [span.name, span.kind])).toEqual([
      ['meridian.settle', 1],
      ['chat deepseek-chat', 3],
      ['chat test/a', 2],
    ]);
    expect(byName.get('chat deepseek-chat')!.parentSpanId).toBe(byName.get('chat test/a')!.spanId);
    expect(byName.get('meridian.settle')!.parentSpanId).toBe(byName.get('chat test/a')!.spanId);
    expect(byName.get('chat deepseek-chat')!.attributes).toEqual([
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.provider.name', value: { stringValue: 'deepseek' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'deepseek-chat' } },
      { key: 'gen_ai.request.max_tokens', value: { intValue: 20 } },
      { key: 'server.address', value: { stringValue: 'api.deepseek.com' } },
      { key: 'server.port', value: { intValue: 443 } },
      { key: 'meridian.model', value: { stringValue: 'test/a' } },
      { key: 'meridian.attempt', value: { intValue: 1 } },
      { key: 'gen_ai.response.id', value: { stringValue: 'up-1' } },
      { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'length' }] } } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: 7 } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: 3 } },
      { key: 'meridian.ending', value: { stringValue: 'success' } },
    ]);
    expect(byName.get('meridian.settle')!.attributes).toContainEqual({
      key: 'meridian.charge_nanos',
      value: { intValue: 12_345 },
    });
  });

  it('logs a refused export as a warning (the gateway keeps serving)', async () => {
    const collector = await startCollector(400);
    server = collector.server;
    const lines: string[] = [];
    const tracing = await startTracing(
      { otlpEndpoint: collector.url, serviceName: 'meridian', sampleRatio: 1 },
      createLogger({ level: 'info', write: (line) => lines.push(line), now: () => 0 }),
    );
    startCallSpan({ model: 'test/a', maxOutputTokens: undefined, isStreaming: true, requestId: 'req-2' }).end();
    await tracing.shutdown();
    expect(collector.received).toHaveLength(1);
    expect(lines).toEqual([
      '{"level":"warn","time":"1970-01-01T00:00:00.000Z","event":"trace_export_failed",' +
        '"message":"OTLPExporterError: Bad Request"}\n',
    ]);
  });

  it('with sample_ratio 0 exports no span', async () => {
    const collector = await startCollector(200);
    server = collector.server;
    const tracing = await startTracing(
      { otlpEndpoint: collector.url, serviceName: 'meridian', sampleRatio: 0 },
      createLogger({ level: 'silent' }),
    );
    const call = startCallSpan({ model: 'test/a', maxOutputTokens: 1, isStreaming: false, requestId: 'req-3' });
    expect(call.isRecording).toBe(false);
    call.end();
    await tracing.shutdown();
    expect(collector.received).toEqual([]);
  });
});
