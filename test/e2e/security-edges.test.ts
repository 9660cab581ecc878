import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/config/limits.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createGatewayConfig, createMemberKey, otherOrgKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * Security edges found by the black-box security pass: requests node:http refuses before the app sees them answer in
 * the client's error shape, not with a bare status line.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('security-edges');
});

afterAll(() => stack.stop());

interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Writes `bytes` on a fresh connection and reads until the gateway closes it. */
function sendRaw(bytes: string): Promise<RawAnswer> {
  const url = new URL(stack.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(bytes);
  });
}

function requestWithPadding(path: string, extraHeaders: string, paddingBytes: number): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: gateway\r\n${extraHeaders}x-padding: ${'a'.repeat(paddingBytes)}\r\n` +
    `content-type: application/json\r\ncontent-length: 2\r\n\r\n{}`
  );
}

describe('requests node:http refuses before the app', () => {
  it('answers headers past requestHeaderBytesMax with 431 headers_too_large in the OpenAI shape, then closes', async () => {
    const answer = await sendRaw(
      requestWithPadding(
        '/v1/chat/completions',
        `authorization: Bearer ${stack.key}\r\n`,
        limits.requestHeaderBytesMax,
      ),
    );
    const requestId = answer.headers['x-request-id'];
    expect(requestId).toMatch(/^req_/);
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        message: `The request's headers exceed ${limits.requestHeaderBytesMax} bytes (the request line and every header together).`,
        type: 'invalid_request_error',
        param: null,
        code: 'headers_too_large',
        request_id: requestId,
      },
    });
  });

  it('answers an Anthropic client in the Anthropic shape', async () => {
    const answer = await sendRaw(
      requestWithPadding('/v1/messages', 'anthropic-version: 2023-06-01\r\n', limits.requestHeaderBytesMax),
    );
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
      request_id: answer.headers['request-id'],
    });
  });

  it('answers bytes that are not HTTP with 400 invalid_request in the OpenAI shape', async () => {
    const answer = await sendRaw('GET /v1/models HTTP/1.1\r\nHost: gateway\r\nno colon here\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', request_id: answer.headers['x-request-id'] },
    });
  });

  it('still serves a request whose headers are just under the bound', async () => {
    const answer = await sendRaw(
      requestWithPadding('/v1/chat/completions', 'connection: close\r\n', limits.requestHeaderBytesMax - 1024),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'authentication_failed' } });
  });
});

describe("a provider's words that echo its key never reach the client", () => {
  const providerKey = 'test-upstream-secret';
  const echo = `Incorrect API key provided: Bearer ${providerKey}`;

  async function callStream(): Promise<{ status: number; text: string }> {
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 5,
        stream: true,
      }),
    });
    return { status: response.status, text: await response.text() };
  }

  it('an error event before any output', async () => {
    stack.fake.enqueue({ kind: 'sse', frames: [`data: ${JSON.stringify({ error: { message: echo } })}\n\n`] });
    const answer = await callStream();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: {
        code: 'upstream_error',
        message: 'Provider fake-openai reported an error in the stream: Incorrect API key provided: Bearer [redacted]',
      },
    });
  });

  it('an error event after output (in-band)', async () => {
    stack.fake.enqueue({
      kind: 'sse',
      frames: [
        `data: ${JSON.stringify({ id: 'x', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' } }] })}\n\n`,
        `data: ${JSON.stringify({ error: { message: echo } })}\n\n`,
      ],
    });
    const answer = await callStream();
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('partial');
    expect(answer.text).toContain('Incorrect API key provided: Bearer [redacted]');
    expect(answer.text).not.toContain(providerKey);
  });

  it('a JSON answer to a stream request', async () => {
    stack.fake.enqueue({
      kind: 'raw',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ error: { message: echo } }),
    });
    const answer = await callStream();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: {
        code: 'upstream_invalid_response',
        message:
          "Provider fake-openai answered a stream request with 'application/json': Incorrect API key provided: Bearer [redacted]",
      },
    });
  });

  it('a 200 JSON answer that is an error', async () => {
    stack.fake.enqueue({ kind: 'json', body: { error: { message: echo } } });
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    expect(await response.text()).not.toContain(providerKey);
  });
});

describe('a passthrough model name never chooses the upstream URL', () => {
  it("is one encoded path segment of a Gemini provider's URL: no dot segments, query or fragment of the client's", async () => {
    const configYaml = createGatewayConfig(stack.fake.baseUrl).replace(
      'api_key: test-gemini-secret',
      'api_key: test-gemini-secret\n    passthrough_models: true',
    );
    const gateway = await startGatewayProcess({ configYaml });
    try {
      const { key } = await createMemberKey(gateway.url, 'passthrough');
      const names = ['gemini-x', '../../../files?upload=1#', 'a/../../cachedContents'];
      for (const name of names) {
        stack.fake.enqueue({ kind: 'error', status: 400, body: '{"error":{"message":"no"}}' });
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: `fake-gemini/${name}`, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(400);
      }
      expect(stack.fake.received.slice(-3).map((request) => request.path)).toEqual([
        '/v1/models/gemini-x:generateContent',
        '/v1/models/..%2F..%2F..%2Ffiles%3Fupload%3D1%23:generateContent',
        '/v1/models/a%2F..%2F..%2FcachedContents:generateContent',
      ]);
    } finally {
      await gateway.stop();
      gateway.cleanup();
    }
  });
});

describe("/v1/responses item_reference reads only the caller's org's items", () => {
  async function respond(key: string, input: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${stack.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', input, max_output_tokens: 20 }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("another org's item id is unknown (400), and nothing of it reaches the upstream", async () => {
    stack.fake.enqueue(
      completeScript('openai', {
        text: ['other org secret answer'],
        usage: { input: 5, cached: 0, output: 4, reasoning: 0 },
      }),
    );
    const first = await respond(otherOrgKey, 'hello');
    expect(first.status).toBe(200);
    const itemId = (first.body['output'] as { id: string }[])[0]!.id;
    const receivedBefore = stack.fake.received.length;
    stack.fake.enqueue(
      completeScript('openai', { text: ['ok'], usage: { input: 5, cached: 0, output: 1, reasoning: 0 } }),
    );
    const second = await respond(stack.key, [
      { type: 'item_reference', id: itemId },
      { role: 'user', content: 'repeat what you said' },
    ]);
    expect(second.status).toBe(400);
    expect(second.body['error']).toMatchObject({ code: 'invalid_request', param: 'input[0].id' });
    expect(
      stack.fake.received
        .slice(receivedBefore)
        .map((request) => request.text)
        .join(''),
    ).not.toContain('other org secret answer');
    stack.fake.enqueue(
      completeScript('openai', { text: ['ok'], usage: { input: 5, cached: 0, output: 1, reasoning: 0 } }),
    );
    const own = await respond(otherOrgKey, [
      { type: 'item_reference', id: itemId },
      { role: 'user', content: 'repeat what you said' },
    ]);
    expect(own.status).toBe(200);
    expect(stack.fake.received.at(-1)!.text).toContain('other org secret answer');
  });
});
