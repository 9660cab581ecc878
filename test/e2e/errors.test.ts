import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/config/limits.js';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readGeneration } from '../support/gateway-config.js';
import { validateSchema } from '../support/openapi.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

let stack: TestStack;
let fake: FakeUpstream;
let gateway: GatewayProcess;
let memberKey: string;

beforeAll(async () => {
  stack = await startTestStack('error-tests');
  ({ fake, gateway, key: memberKey } = stack);
});

afterAll(() => stack.stop());

const goodBody = { model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }] };

async function post(
  body: string,
  headers: Record<string, string> = { authorization: `Bearer ${memberKey}` },
  path = '/v1/chat/completions',
) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await response.json()) as { error: Record<string, unknown> };
  expect(validateSchema('ErrorResponse', json)).toEqual([]);
  expect(json.error['request_id']).toBe(response.headers.get('x-request-id'));
  return { status: response.status, error: json.error, headers: response.headers };
}

describe('errors in OpenAI shape', () => {
  it.each([
    ['invalid JSON', '{"model":', 400, 'invalid_json', null],
    ['missing messages', JSON.stringify({ model: 'test/fake-model' }), 400, 'invalid_request', 'messages'],
    ['bad temperature', JSON.stringify({ ...goodBody, temperature: 7 }), 400, 'invalid_request', 'temperature'],
    [
      'bad message role',
      JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'robot', content: 'x' }] }),
      400,
      'invalid_request',
      'messages[0].role',
    ],
    ['unknown model', JSON.stringify({ ...goodBody, model: 'nobody/nothing' }), 404, 'model_not_found', 'model'],
  ])('%s → %i %s', async (_name, body, status, code, param) => {
    const result = await post(body);
    expect({ status: result.status, code: result.error['code'], param: result.error['param'] }).toEqual({
      status,
      code,
      param,
    });
    expect(result.headers.get('x-should-retry')).toBe('false');
  });

  it("400 invalid_json for a long body (parsed in pieces) broken between two messages, with JSON.parse's message", async () => {
    const messages = Array.from({ length: 30 }, (_, index) => ({
      role: 'user',
      content: `turn ${index} `.repeat(500),
    }));
    const whole = JSON.stringify({ ...goodBody, messages });
    const at = whole.indexOf('},{', 100_000) + 1;
    const broken = `${whole.slice(0, at)},${whole.slice(at)}`;
    expect(Buffer.byteLength(broken)).toBeGreaterThan(64 * 1024);
    let parseMessage = '';
    try {
      JSON.parse(broken);
    } catch (error) {
      parseMessage = (error as Error).message;
    }
    const result = await post(broken);
    expect({ status: result.status, code: result.error['code'], message: result.error['message'] }).toEqual({
      status: 400,
      code: 'invalid_json',
      message: `The request body is not valid JSON: ${parseMessage}.`,
    });
  });

  it('401 authentication_failed without a key and with a wrong key', async () => {
    expect((await post(JSON.stringify(goodBody), {})).error['code']).toBe('authentication_failed');
    const wrong = await post(JSON.stringify(goodBody), {
      authorization: 'Bearer sk-mer-v1-000000000000000000000000000000000000000',
    });
    expect({ status: wrong.status, code: wrong.error['code'], type: wrong.error['type'] }).toEqual({
      status: 401,
      code: 'authentication_failed',
      type: 'authentication_error',
    });
  });

  it('413 payload_too_large above limits.requestBodyBytesMax', async () => {
    const filler = 'x'.repeat(limits.requestBodyBytesMax);
    const result = await post(JSON.stringify({ ...goodBody, messages: [{ role: 'user', content: filler }] }));
    expect({ status: result.status, code: result.error['code'] }).toEqual({ status: 413, code: 'payload_too_large' });
  });

  it('404 not_found for an unknown route', async () => {
    const result = await post('{}', { authorization: `Bearer ${memberKey}` }, '/v1/nothing-here');
    expect({ status: result.status, code: result.error['code'] }).toEqual({ status: 404, code: 'not_found' });
  });

  it('405 method_not_allowed with Allow for a route asked with another method; HEAD answers as GET', async () => {
    const ask = async (method: string, path: string) => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${memberKey}` },
      });
      return { status: response.status, allow: response.headers.get('allow'), text: await response.text() };
    };
    const wrong = await ask('GET', '/v1/chat/completions');
    expect([wrong.status, wrong.allow]).toEqual([405, 'POST']);
    const error = (JSON.parse(wrong.text) as { error: Record<string, unknown> }).error;
    expect(validateSchema('ErrorResponse', { error })).toEqual([]);
    expect([error['code'], error['message']]).toEqual([
      'method_not_allowed',
      '/v1/chat/completions does not answer GET; it answers POST.',
    ]);
    const keys = await ask('PUT', '/api/v1/keys');
    expect([keys.status, keys.allow]).toEqual([405, 'GET, POST, HEAD']);
    expect((JSON.parse(keys.text) as { error: { message: string } }).error.message).toBe(
      '/api/v1/keys does not answer PUT; it answers GET, POST, HEAD.',
    );
    expect(await ask('HEAD', '/healthz')).toEqual({ status: 200, allow: null, text: '' });
    // A GET route asked for something it does not have is 404, never 405.
    for (const slug of ['test/Fake-Model', 'test/fake%20model', 'OpenAI/gpt-4o']) {
      const endpoints = await ask('GET', `/api/v1/models/${slug}/endpoints`);
      expect([slug, endpoints.status, (JSON.parse(endpoints.text) as { error: { code: string } }).error.code]).toEqual([
        slug,
        404,
        'model_not_found',
      ]);
    }
    expect((await ask('HEAD', '/v1/models')).status).toBe(200);
  });

  it('retrieves one model as the official client asks for it (GET /v1/models/{model}, slug encoded)', async () => {
    const client = new OpenAI({ apiKey: memberKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const listed = (await client.models.list()).data.find((model) => model.id === 'test/fake-model');
    expect(listed).toBeDefined();
    expect(await client.models.retrieve('test/fake-model')).toEqual(listed);
    const plain = await fetch(`${gateway.url}/api/v1/models/test/fake-model`);
    expect([plain.status, await plain.json()]).toEqual([200, listed]);
    await expect(client.models.retrieve('nobody/nothing')).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it.each([
    [
      'upstream 400',
      { status: 400, body: '{"error":{"message":"bad top_p","type":"invalid_request_error"}}' },
      400,
      'invalid_request',
      null,
    ],
    [
      'upstream 429 with Retry-After',
      { status: 429, body: '{"error":{"message":"slow down"}}', headers: { 'retry-after': '7' } },
      429,
      'upstream_rate_limited',
      '7',
    ],
    ['upstream 500', { status: 500, body: 'boom' }, 502, 'upstream_error', null],
    [
      'upstream 401 (bad provider key)',
      { status: 401, body: '{"error":{"message":"invalid api key"}}' },
      502,
      'upstream_error',
      null,
    ],
  ])('%s → %i %s, recorded with no charge', async (_name, upstream, status, code, retryAfter) => {
    fake.enqueue({ kind: 'error', ...upstream });
    // The rate-limited endpoint rests for its Retry-After; the other cases use a model of their own.
    const model = status === 429 ? 'test/fake-limited' : goodBody.model;
    const result = await post(JSON.stringify({ ...goodBody, model }));
    expect({
      status: result.status,
      code: result.error['code'],
      retryAfter: result.headers.get('retry-after'),
    }).toEqual({ status, code, retryAfter });
  });

  it('502 when the stream opens with an error frame: nothing committed, nothing charged', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([{ error: { message: 'model overloaded', code: 'overloaded' } }], false),
    });
    const result = await post(JSON.stringify({ ...goodBody, stream: true }));
    expect({ status: result.status, code: result.error['code'] }).toEqual({ status: 502, code: 'upstream_error' });
    const record = await readGeneration(gateway.url, memberKey, result.headers.get('x-meridian-generation-id')!);
    expect(record).toMatchObject({ ending: 'error', error_code: 'upstream_error', cost_nanos: '0', streamed: true });
  });

  it('records failed calls with ending "error" and zero cost', async () => {
    fake.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"down"}}' });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(goodBody),
    });
    expect(response.status).toBe(502);
    const generationId = response.headers.get('x-meridian-generation-id');
    expect(generationId).toMatch(/^gen-/);
    const record = await readGeneration(gateway.url, memberKey, generationId!);
    expect(record).toMatchObject({
      ending: 'error',
      error_code: 'upstream_error',
      cost_nanos: '0',
      upstream_cost_nanos: '0',
    });
  });
});
