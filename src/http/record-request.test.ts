import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AppContext } from './app-context.js';
import { recordRequest } from './record-request.js';

/** Records a request sent to `url` and returns the request log line's fields and the route the metrics counted. */
function record(url: string): { line: Record<string, unknown>; routes: string[] } {
  const lines: { event: string; fields: Record<string, unknown> }[] = [];
  const routes: string[] = [];
  const keep = (event: string, fields: Record<string, unknown> = {}): void => void lines.push({ event, fields });
  const app = {
    log: { info: keep, warn: keep, error: keep },
    metrics: { recordRequest: (sample: { route: string }) => routes.push(sample.route) },
    now: () => 1_250,
  } as unknown as AppContext;
  const request = { method: 'POST', url } as IncomingMessage;
  const response = { statusCode: 200, writableFinished: true } as ServerResponse;
  recordRequest(app, { request, response, startedAtMs: 1_000, requestId: 'req-1' });
  expect(lines.map((line) => line.event)).toEqual(['request']);
  return { line: lines[0]!.fields, routes };
}

describe('recordRequest (the request log line)', () => {
  it('logs the path as the client sent it, without its query string, and counts the normalised route', () => {
    expect(record('/api/v1/chat/completions?debug=1')).toEqual({
      line: {
        requestId: 'req-1',
        method: 'POST',
        path: '/api/v1/chat/completions',
        status: 200,
        ending: 'success',
        durationMs: 250,
      },
      routes: ['chat'],
    });
    expect(record('/v1/chat/completions?debug=1')).toEqual({
      line: {
        requestId: 'req-1',
        method: 'POST',
        path: '/v1/chat/completions',
        status: 200,
        ending: 'success',
        durationMs: 250,
      },
      routes: ['chat'],
    });
    expect(record('/api/v1/messages/').line['path']).toBe('/api/v1/messages/');
  });
});
