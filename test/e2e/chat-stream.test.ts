import type OpenAI from 'openai';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readGeneration, sendSmallStream } from '../support/gateway-config.js';
import { validateSchema } from '../support/openapi.js';
import { readSseData } from '../support/read-sse.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

let stack: TestStack;
let fake: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let memberKey: string;

beforeAll(async () => {
  stack = await startTestStack('stream-tests');
  ({ fake, gateway, key: memberKey, client } = stack);
});

afterAll(() => stack.stop());

const base = {
  id: 'chatcmpl-up',
  object: 'chat.completion.chunk',
  created: 1_795_000_000,
  model: 'fake-upstream-model',
};
const usage = {
  prompt_tokens: 20,
  completion_tokens: 6,
  total_tokens: 26,
  prompt_tokens_details: { cached_tokens: 0 },
};

function textChunks(pieces: readonly string[], withUsage = true): unknown[] {
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((content) => ({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ...(withUsage ? [{ ...base, choices: [], usage }] : []),
  ];
}

/** The raw bytes of one HTTP/1.1 exchange (`Connection: close`), read until the gateway closes the socket. */
function exchangeRaw(url: string, request: { readonly path: string; readonly key: string; readonly body: string }) {
  const { hostname, port } = new URL(url);
  return new Promise<Buffer>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(received)));
    socket.on('error', reject);
    socket.write(
      `POST ${request.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${request.key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(request.body)}\r\nConnection: close\r\n\r\n${request.body}`,
    );
  });
}

/** The sizes of a chunked body's chunks (the terminating 0 excluded): one per `write()` the server made. */
function readChunkSizes(raw: Buffer): number[] {
  const text = raw.toString('latin1');
  let at = text.indexOf('\r\n\r\n') + 4;
  const sizes: number[] = [];
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return sizes;
    sizes.push(size);
    at = lineEnd + 2 + size + 2;
  }
}

/** The text of a chunked body's first chunk: the first `write()` the server made, headers aside. */
function readFirstChunk(raw: Buffer): string {
  const text = raw.toString('latin1');
  const at = text.indexOf('\r\n\r\n') + 4;
  const lineEnd = text.indexOf('\r\n', at);
  const size = Number.parseInt(text.slice(at, lineEnd), 16);
  return text.slice(lineEnd + 2, lineEnd + 2 + size);
}

describe('POST /v1/chat/completions (stream)', () => {
  it('sends a burst of upstream events on as one write, not one write per event', async () => {
    const pieces = Array.from({ length: 20 }, (_, index) => `w${index} `);
    // The fake writes every frame in one tick: one socket write of 24 HTTP chunks, which undici hands over one by one.
    fake.enqueue({ kind: 'sse', frames: sseFrames(textChunks(pieces)) });
    const raw = await exchangeRaw(gateway.url, {
      path: '/v1/chat/completions',
      key: memberKey,
      body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    const text = raw.toString('utf8');
    for (const piece of pieces) expect(text).toContain(`"content":"${piece}"`);
    // The first text event goes out at once with the role chunk (time to first token); the other 19 and the finish
    // in one write as they arrived together; then the end (`[DONE]`). A write per event would be 22 or more chunks.
    const chunks = readChunkSizes(raw);
    expect(chunks.length).toBeLessThanOrEqual(3);
    const first = readFirstChunk(raw);
    expect(first).toContain('"role":"assistant"');
    expect(first).toContain('"content":"w0 "');
    expect(first).not.toContain('"content":"w1 "');
  });

  it('streams exact text; the usage chunk only when asked, but usage is always requested upstream', async () => {
    fake.enqueue({ kind: 'sse', frames: sseFrames(textChunks(['Hel', 'lo ', 'world'])) });
    const stream = await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    const chunks: unknown[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello world');
    expect(chunks.every((chunk) => (chunk as { choices: unknown[] }).choices.length > 0)).toBe(true);
    for (const chunk of chunks) expect(validateSchema('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    expect(fake.received.at(-1)!.body['stream_options']).toEqual({ include_usage: true });
  });

  it('sends the usage chunk with the exact cost when the client asks, then [DONE]', async () => {
    fake.enqueue({ kind: 'sse', frames: sseFrames(textChunks(['a', 'b'])) });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const data = await readSseData(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((item) => JSON.parse(item) as Record<string, unknown>);
    for (const chunk of chunks) expect(validateSchema('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    const last = chunks.at(-1)!;
    expect(last['choices']).toEqual([]);
    // 20 × 0.28 + 6 × 0.42 per 1M = 5 600 + 2 520 nano-USD.
    expect(last['usage']).toEqual({
      prompt_tokens: 20,
      completion_tokens: 6,
      total_tokens: 26,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost: 0.00000812,
      is_byok: false,
      cost_details: { upstream_inference_cost: 0.00000812 },
    });
    const record = await readGeneration(gateway.url, memberKey, last['id'] as string);
    expect(record).toMatchObject({
      streamed: true,
      ending: 'success',
      cost_nanos: '8120',
      tokens_prompt: 20,
      tokens_completion: 6,
    });
    // A stream's first token is timed (its value depends on the machine: only its presence is asserted).
    expect([typeof record['time_to_first_token'], typeof record['generation_time']]).toEqual(['number', 'number']);
  });

  it('passes parallel tool-call deltas through exactly', async () => {
    const call = (index: number, fields: Record<string, unknown>) => ({
      ...base,
      choices: [{ index: 0, delta: { tool_calls: [{ index, ...fields }] }, finish_reason: null }],
    });
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }] },
        call(0, { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }),
        call(0, { function: { arguments: '{"city":' } }),
        call(0, { function: { arguments: '"Paris"}' } }),
        call(1, { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } }),
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { ...base, choices: [], usage },
      ]),
    });
    const stream = await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const deltas: unknown[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.tool_calls !== undefined) deltas.push(...chunk.choices[0].delta.tool_calls);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Paris"}' } },
      { index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{"tz":"CET"}' } },
    ]);
    expect(finish).toBe('tool_calls');
  });

  it('ends with an in-band error after output, billing prompt + delivered completion', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames(
        [
          textChunks(['partial answer'], false)[0],
          textChunks(['partial answer'], false)[1],
          { error: { message: 'overloaded', code: 'server_error' } },
        ],
        false,
      ),
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(response.status).toBe(200);
    const data = await readSseData(response);
    expect(data.at(-1)).toBe('[DONE]');
    const errorChunk = JSON.parse(data.at(-2)!) as Record<string, unknown>;
    expect(errorChunk['error']).toEqual({
      code: 'upstream_error',
      message: 'Provider fake-openai reported an error in the stream: overloaded',
    });
    expect(errorChunk['choices']).toEqual([{ index: 0, delta: { content: '' }, finish_reason: 'error' }]);
    // Allowlisted deviation: `finish_reason: "error"` is OpenRouter's in-band error marker, outside OpenAI's enum.
    // Everything else in the error chunk conforms; the extra top-level `error` object is allowed by the schema.
    expect(validateSchema('CreateChatCompletionStreamResponse', errorChunk).map((line) => line.split(' ')[0])).toEqual([
      '/choices/0/finish_reason',
    ]);
    for (const chunk of data.slice(0, -2))
      expect(validateSchema('CreateChatCompletionStreamResponse', JSON.parse(chunk))).toEqual([]);
    const record = await readGeneration(gateway.url, memberKey, errorChunk['id'] as string);
    expect(record).toMatchObject({
      ending: 'upstream_error_after_output',
      error_code: 'upstream_error',
      usage_estimated: true,
    });
    expect(Number(record['cost_nanos'])).toBeGreaterThan(0);
    expect(record['tokens_completion']).toBe(2); // "partial answer" is 2 tokens in o200k_base
  });

  it('forwards the first token before the upstream sends the next one (no buffering)', async () => {
    const heldStack = await startTestStack('held');
    const { fake: held, client: heldClient } = heldStack;
    try {
      held.enqueue({ kind: 'sse', frames: sseFrames(textChunks(['first', ' second'])), holdAfter: 2 });
      const stream = await heldClient.chat.completions.create({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      // The upstream is still holding everything after "first": the gateway forwarded it without waiting.
      expect(first.value?.choices[0]?.delta.content).toBe('first');
      held.release();
      let rest = '';
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
        rest += next.value.choices[0]?.delta.content ?? '';
      expect(rest).toBe(' second');
    } finally {
      await heldStack.stop();
    }
  });

  it('keeps 300 streams to one provider open at once (its connection pool does not queue them)', async () => {
    const heldStack = await startTestStack('many-open');
    const { fake: held, gateway: heldGateway, key } = heldStack;
    const count = 300;
    try {
      for (let index = 0; index < count; index += 1) {
        held.enqueue({ kind: 'sse', frames: sseFrames(textChunks([`s${index}`, ' done'])), holdAfter: 1 });
      }
      // Small calls keep each hold small: the key's org pays for all of them at once.
      const responses = Array.from({ length: count }, () =>
        sendSmallStream(heldGateway.url, key).then(async (response) => `${response.status} ${await response.text()}`),
      );
      // Every stream is held open by the provider after its first frame: all of them reached it at the same time.
      for (let poll = 0; poll < 200 && held.received.length < count; poll += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(held.received).toHaveLength(count);
      held.release();
      const bodies = await Promise.all(responses);
      const texts = bodies.map((body) => body.match(/"content":"[^"]*"/g)?.join(''));
      expect(new Set(texts).size).toBe(count);
      expect(
        bodies.every(
          (body) => body.startsWith('200 ') && body.endsWith('data: [DONE]\n\n') && body.includes('"content":" done"'),
        ),
      ).toBe(true);
    } finally {
      await heldStack.stop();
    }
  }, 60_000);

  it('aborts the upstream request when the client disconnects, and bills what was generated', async () => {
    const heldStack = await startTestStack('abort');
    const { fake: held, gateway: heldGateway, key } = heldStack;
    try {
      held.enqueue({ kind: 'sse', frames: sseFrames(textChunks(['generated so far', ' never sent'])), holdAfter: 2 });
      const controller = new AbortController();
      const response = await fetch(`${heldGateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      const firstBytes = new TextDecoder().decode((await reader.read()).value);
      const generationId = /"id":"(gen-[^"]+)"/.exec(firstBytes)![1]!;
      controller.abort();
      await held.waitForClientClose();
      let record: Record<string, unknown> | undefined;
      for (let attempt = 0; attempt < 50 && record === undefined; attempt += 1) {
        record = await readGeneration(heldGateway.url, key, generationId).catch(() => undefined);
        if (record === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(record).toMatchObject({
        ending: 'client_abort',
        cancelled: true,
        usage_estimated: true,
        tokens_completion: 3,
      });
      expect(Number(record!['cost_nanos'])).toBeGreaterThan(0);
    } finally {
      await heldStack.stop();
    }
  });
});
