import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it. */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: readonly { readonly key: string; readonly value: Record<string, unknown> }[];
  readonly status: { readonly code?: number; readonly message?: string };
  readonly events: readonly unknown[];
}

export interface FakeOtlpCollector {
  /** `http://127.0.0.1:<port>/v1/traces` */
  readonly url: string;
  /** Every export request as received: path, content type and body text. */
  readonly requests: { readonly path: string; readonly contentType: string | undefined; readonly body: string }[];
  /** Spans of every JSON export, in arrival order, with their resource's `service.name`. */
  spans(): (OtlpSpan & { readonly serviceName: string | undefined })[];
  close(): Promise<void>;
}

interface OtlpExport {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly { key: string; value: { stringValue?: string } }[] };
    readonly scopeSpans?: readonly { readonly spans?: readonly OtlpSpan[] }[];
  }[];
}

/** A fake OpenTelemetry collector on 127.0.0.1: accepts OTLP/HTTP exports (any encoding), answers 200 `{}`. */
export async function startFakeOtlpCollector(): Promise<FakeOtlpCollector> {
  const requests: { path: string; contentType: string | undefined; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    requests,
    spans: () =>
      requests
        .filter((request) => request.contentType === 'application/json')
        .flatMap((request) =>
          ((JSON.parse(request.body) as OtlpExport).resourceSpans ?? []).flatMap((resourceSpans) => {
            const serviceName = resourceSpans.resource?.attributes?.find(
              (attribute) => attribute.key === 'service.name',
            )?.value.stringValue;
            return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
              (scope.spans ?? []).map((span) => ({ ...span, serviceName })),
            );
          }),
        ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A span's attributes as a plain object (`intValue` and `stringValue` unwrapped, arrays as string lists). */
export function readAttributes(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((attribute) => [attribute.key, unwrap(attribute.value)]));
}

function unwrap(value: Record<string, unknown>): unknown {
  if ('stringValue' in value) return value['stringValue'];
  if ('intValue' in value) return Number(value['intValue']);
  if ('boolValue' in value) return value['boolValue'];
  if ('doubleValue' in value) return value['doubleValue'];
  const array = value['arrayValue'] as { values?: Record<string, unknown>[] } | undefined;
  if (array !== undefined) return (array.values ?? []).map(unwrap);
  return value;
}
