import { describe, expect, it } from 'vitest';
import { readErrorBody } from './read-error-body.js';

describe('readErrorBody', () => {
  it.each([
    [
      'Anthropic',
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}',
      { message: 'Overloaded', code: 'overloaded_error' },
    ],
    [
      'Anthropic without a message',
      400,
      '{"type":"error","error":{"type":"invalid_request_error"}}',
      { message: 'HTTP 400', code: 'invalid_request_error' },
    ],
    [
      'OpenAI-style from a compatible vendor',
      401,
      '{"error":{"message":"Invalid API key","code":"invalid_api_key"}}',
      { message: 'Invalid API key', code: 'invalid_api_key' },
    ],
    ['a string error', 500, '{"error":"boom"}', { message: 'boom', code: undefined }],
    ['a bare message', 429, '{"message":"Too many requests"}', { message: 'Too many requests', code: undefined }],
    ['an unrelated JSON object', 502, '{"status":"bad"}', { message: 'HTTP 502', code: undefined }],
    ['plain text', 503, '  upstream connect error  ', { message: 'upstream connect error', code: undefined }],
    ['an empty body', 504, '', { message: 'HTTP 504', code: undefined }],
  ] as const)('reads %s', (_name, status, body, expected) => {
    expect(readErrorBody(status, body)).toEqual(expected);
  });

  it('keeps only the first 200 characters of a non-JSON body', () => {
    const html = `<html>${'x'.repeat(500)}</html>`;
    expect(readErrorBody(502, html)).toEqual({ message: html.slice(0, 200), code: undefined });
  });
});
