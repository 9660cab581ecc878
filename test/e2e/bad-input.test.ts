import { request as sendHttpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * RELIABILITY.md's bad input on every inference route and its `/api/v1` alias: each refusal in the route's own error
 * shape with its code, status and request id; nothing reaches the upstream and nothing is charged.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('bad-input');
});

afterEach(() => stack.fake.reset());

afterAll(() => stack.stop());

const prompt = [{ role: 'user', content: 'hi' }];
/** Each inference route with a body it would serve, and the error shape it answers in. */
const routes = [
  ['/v1/chat/completions', { model: 'test/fake-model', messages: prompt, max_tokens: 16 }, 'openai'],
  ['/v1/messages', { model: 'test/fake-model', messages: prompt, max_tokens: 16 }, 'anthropic'],
  ['/v1/messages/count_tokens', { model: 'test/fake-model', messages: prompt }, 'anthropic'],
  ['/v1/responses', { model: 'test/fake-model', input: 'hi', max_output_tokens: 16 }, 'openai'],
  ['/v1/responses/input_tokens', { model: 'test/fake-model', input: 'hi' }, 'openai'],
  ['/v1/embeddings', { model: 'test/fake-embed', input: 'hi' }, 'openai'],
] as const;
const everyRoute = routes.flatMap(([path, body, shape]) => [
  [path, body, shape],
  [`/api${path}`, body, shape],
]) as unknown as [string, Record<string, unknown>, 'openai' | 'anthropic'][];

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, unknown>;
}

/** Sends exactly these bytes and headers (fetch would fix some of them). */
function send(path: string, body: Buffer, headers: Record<string, string | string[]>): Promise<Answer> {
  const url = new URL(path, stack.gateway.url);
  return new Promise((resolve, reject) => {
    const request = sendHttpRequest(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The code, status and message of an error answer, after checking its shape and request id. */
function readError(answer: Answer, shape: 'openai' | 'anthropic') {
  const requestId = answer.headers['x-request-id'];
  expect(requestId).toMatch(/^req_/);
  expect(answer.headers['request-id']).toBe(requestId);
  const error = answer.json['error'] as Record<string, unknown>;
  if (shape === 'anthropic') {
    expect(answer.json['type']).toBe('error');
    expect(answer.json['request_id']).toBe(requestId);
  } else {
    expect(error['request_id']).toBe(requestId);
  }
  return { status: answer.status, code: error['code'], message: error['message'] };
}

async function totalUsage(): Promise<number> {
  const response = await fetch(`${stack.gateway.url}/api/v1/credits`, {
    headers: { authorization: `Bearer ${stack.key}` },
  });
  return ((await response.json()) as { data: { total_usage: number } }).data.total_usage;
}

const jsonHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${stack.key}`,
  'content-type': 'application/json',
});

describe('request bodies the gateway cannot take as sent', () => {
  it.each(everyRoute)('%s: a compressed body is 415 unsupported_media_type', async (path, body, shape) => {
    const before = await totalUsage();
    const answer = await send(path, gzipSync(JSON.stringify(body)), { ...jsonHeaders(), 'content-encoding': 'gzip' });
    expect(readError(answer, shape)).toEqual({
      status: 415,
      code: 'unsupported_media_type',
      message: "Content-Encoding 'gzip' is not supported; send the JSON body uncompressed.",
    });
    expect(stack.fake.received).toHaveLength(0);
    expect(await totalUsage()).toBe(before);
  });

  it.each(everyRoute)('%s: bytes that are not UTF-8 are 400 invalid_json', async (path, body, shape) => {
    const before = await totalUsage();
    const [head, tail] = JSON.stringify(body).split('"hi"') as [string, string];
    const bytes = Buffer.concat([Buffer.from(`${head}"h`), Buffer.from([0xff, 0xfe]), Buffer.from(`i"${tail}`)]);
    const answer = await send(path, bytes, jsonHeaders());
    expect(readError(answer, shape)).toEqual({
      status: 400,
      code: 'invalid_json',
      message: 'The request body is not valid UTF-8; JSON must be sent as UTF-8 (RFC 8259).',
    });
    expect(stack.fake.received).toHaveLength(0);
    expect(await totalUsage()).toBe(before);
  });

  it.each(everyRoute)('%s: a body after a UTF-8 byte order mark is served', async (path, body) => {
    const isEmbeddings = path.endsWith('/embeddings');
    stack.fake.enqueue(
      isEmbeddings
        ? {
            kind: 'json',
            body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }], model: 'm' },
          }
        : completeScript('openai', { text: ['ok'], usage: { input: 5, cached: 0, output: 1, reasoning: 0 } }),
    );
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(body))]);
    const answer = await send(path, bytes, jsonHeaders());
    expect(answer.status).toBe(200);
  });
});

describe('duplicate credentials', () => {
  it.each(everyRoute)(
    '%s: two Authorization headers are 400 invalid_request, never the first key',
    async (path, body, shape) => {
      const before = await totalUsage();
      for (const second of [stack.key, 'sk-someone-elses-key-0123456789']) {
        const answer = await send(path, Buffer.from(JSON.stringify(body)), {
          authorization: [`Bearer ${stack.key}`, `Bearer ${second}`],
          'content-type': 'application/json',
        });
        const error = readError(answer, shape);
        expect(error).toEqual({
          status: 400,
          code: 'invalid_request',
          message: 'The request carries 2 authorization headers; send the API key once.',
        });
        const param = shape === 'openai' ? (answer.json['error'] as Record<string, unknown>)['param'] : 'authorization';
        expect(param).toBe('authorization');
      }
      expect(stack.fake.received).toHaveLength(0);
      expect(await totalUsage()).toBe(before);
    },
  );

  it('two x-api-key headers on the Anthropic route are refused the same way', async () => {
    const answer = await send('/v1/messages', Buffer.from(JSON.stringify(routes[1][1])), {
      'x-api-key': [stack.key, stack.key],
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
    expect(readError(answer, 'anthropic')).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'The request carries 2 x-api-key headers; send the API key once.',
    });
  });
});
