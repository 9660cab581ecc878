import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createMemberKey, postChat, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * An upstream error body is read up to `upstreamErrorBodyBytesMax` (4 KiB) decoded bytes and no further: a provider
 * or proxy whose error body never ends, or decodes to gigabytes, gets its connection closed at once, and the client
 * its error. Were the gateway to read on, it would wait for the rest until the provider's idle timeout (1.5 s here)
 * and answer `upstream_timeout` instead.
 */
let fake: FakeUpstream;
let gateway: GatewayProcess;
let key: string;

function config(baseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
providers:
  - id: fake-openai
    protocol: openai
    base_url: ${baseUrl}
    api_key: test-upstream-secret
    timeouts: { idle_ms: 1500 }
models:
  - id: test/fake-model
    name: Fake Model
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-openai
        model: fake-upstream-model
        pricing: { prompt: "1", completion: "2" }
`;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
  key = (await createMemberKey(gateway.url, 'upstream-error-bodies')).key;
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

beforeEach(() => fake.reset());

const errorStart = '{"error":{"message":"';

/** `errorStart` then 16 KiB chunks of `x`: 16 MiB at most, then the response is held open. */
function* endlessError(): Iterable<Buffer> {
  yield Buffer.from(errorStart);
  const chunk = Buffer.alloc(16 * 1024, 'x');
  for (let index = 0; index < 1_024; index += 1) yield chunk;
}

/** 64 MiB of `x` after `errorStart`, gzip-compressed to about 64 KiB (a ratio of 1 000), sent in 16 KiB pieces. */
function* gzipBomb(): Iterable<Buffer> {
  const bomb = gzipSync(Buffer.concat([Buffer.from(errorStart), Buffer.alloc(64 * 1024 * 1024, 'x')]));
  for (let offset = 0; offset < bomb.length; offset += 16 * 1024) yield bomb.subarray(offset, offset + 16 * 1024);
}

async function callAndReadError(stream: boolean): Promise<{ status: number; body: unknown }> {
  const messages = [{ role: 'user', content: 'hi' }];
  const response = await postChat(gateway.url, key, { model: 'test/fake-model', messages, max_tokens: 5, stream });
  return { status: response.status, body: await response.json() };
}

describe('an upstream error body past the limit', () => {
  it.each([
    ['endless, to a JSON call', endlessError, {}, false],
    ['a gzip bomb, to a streaming call', gzipBomb, { 'content-encoding': 'gzip' }, true],
  ] as const)('%s: the client gets the error and the connection is closed', async (_name, chunks, headers, stream) => {
    fake.enqueue({
      kind: 'unending',
      status: 400,
      headers: { 'content-type': 'application/json', ...headers },
      chunks,
    });
    const closedBefore = fake.clientClosedAtMs.length;
    const closed = fake.waitForClientClose();
    const answer = await callAndReadError(stream);
    await closed;
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        // The body as read, cut to the 500 characters an unparsable error body is quoted with.
        message: `Provider fake-openai rejected the request: ${errorStart}${'x'.repeat(500 - errorStart.length)}`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request',
        request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/),
      },
    });
    expect(fake.clientClosedAtMs).toHaveLength(closedBefore + 1);
  });
});
