import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsRoute } from '../observability/index.js';
import type { AppContext } from './app-context.js';
import { readRequestPath, readSentPath } from './read-request.js';
import { readResponseLabels } from './request-labels.js';

const metricsRoutes: Readonly<Record<string, MetricsRoute>> = {
  '/v1/chat/completions': 'chat',
  '/v1/messages': 'messages',
  '/v1/embeddings': 'embeddings',
  '/v1/messages/count_tokens': 'count_tokens',
  '/v1/responses/input_tokens': 'count_tokens',
  '/v1/responses': 'responses',
};

/**
 * Logs a request and counts a model call (by route, model, provider, status, ending), once its response is closed and
 * its call settled (`createApp` waits for both).
 */
export function recordRequest(
  app: AppContext,
  exchange: {
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
    readonly startedAtMs: number;
    readonly requestId: string;
  },
): void {
  // Counted by the normalised route (`/api/v1/x` and `/v1/x` are one route), logged as the client sent it.
  const path = readRequestPath(exchange.request);
  const labels = readResponseLabels(exchange.response);
  const durationMs = app.now() - exchange.startedAtMs;
  const statusCode = exchange.response.statusCode;
  const ending = labels?.ending ?? (exchange.response.writableFinished && statusCode < 400 ? 'success' : 'error');
  // One line per request: ids, route, outcome and timings; never the query string, headers or bodies.
  app.log.info('request', {
    requestId: exchange.requestId,
    method: exchange.request.method,
    path: readSentPath(exchange.request),
    status: statusCode,
    ending,
    durationMs,
    ...(labels === undefined ? {} : { model: labels.model, provider: labels.provider, ttftMs: labels.ttftMs }),
  });
  const route = metricsRoutes[path];
  if (route === undefined) return;
  app.metrics.recordRequest({
    route,
    model: labels?.model,
    provider: labels?.provider,
    origin: labels?.origin,
    statusCode,
    ending,
    durationMs,
    ttftMs: labels?.ttftMs,
  });
}
