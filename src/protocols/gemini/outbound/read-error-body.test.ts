import { describe, expect, it } from 'vitest';
import { readErrorBody } from './read-error-body.js';

describe('readErrorBody', () => {
  it.each([
    [
      'Google error object',
      400,
      '{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \\"foo\\".","status":"INVALID_ARGUMENT"}}',
      { message: 'Invalid JSON payload received. Unknown name "foo".', code: 'INVALID_ARGUMENT' },
    ],
    [
      'array-wrapped (no alt=sse)',
      429,
      '[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}]',
      { message: 'Resource has been exhausted (e.g. check quota).', code: 'RESOURCE_EXHAUSTED' },
    ],
    ['error without message or status', 500, '{"error":{"code":500}}', { message: 'HTTP 500', code: undefined }],
    ['plain text', 502, '  Bad Gateway\n', { message: 'Bad Gateway', code: undefined }],
    ['empty body', 503, '', { message: 'HTTP 503 with an empty body', code: undefined }],
    ['JSON without error', 500, '{"status":"down"}', { message: '{"status":"down"}', code: undefined }],
    ['JSON null', 500, 'null', { message: 'null', code: undefined }],
  ])('%s', (_name, status, body, expected) => {
    expect(readErrorBody(status, body)).toEqual(expected);
  });

  it('cuts a long text body to 500 characters', () => {
    expect(readErrorBody(500, 'x'.repeat(2000)).message).toHaveLength(500);
  });
});
