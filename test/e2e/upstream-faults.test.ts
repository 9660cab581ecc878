import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import type { ModelScript, UpstreamProtocol } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig, meteredModelByProtocol } from '../support/credits-config.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * RELIABILITY.md's upstream faults on every upstream protocol, JSON and stream: what the client gets, and the exact
 * charge (PRODUCT.md §4) at 1 000 nano-USD per prompt token and 2 000 per completion token. The ledger verifies
 * after the file.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const protocols: readonly UpstreamProtocol[] = ['openai', 'anthropic', 'gemini'];
/** The gateway's local estimate of the prompt `[{role: user, content: 'hi'}]`. */
const hiPromptEstimate = 8;
let fake: FakeUpstream;
let gateway: GatewayProcess;
let key: string;

beforeAll(async () => {
  fake = await createFakeUpstream();
  const configYaml = createCreditsConfig(fake.baseUrl, { faults: '1.00' }, { hasProtocolModels: true });
  gateway = await startGatewayProcess({ configYaml });
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'faults', org_id: 'faults' }),
  });
  key = ((await response.json()) as { key: string }).key;
});

afterEach(() => fake.reset());

afterAll(async () => {
  const { stdout } = await run(
    process.execPath,
    [mainPath, 'ledger', 'verify', '--config', join(gateway.directory, 'meridian.yaml')],
    { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
  );
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
  expect(stdout).not.toContain('✗');
});

async function totalUsageNanos(): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return Math.round(((await response.json()) as { data: { total_usage: number } }).data.total_usage * 1e9);
}

/** A chat call to `protocol`'s metered model (max_tokens 50); the whole answer read. */
async function callModel(protocol: UpstreamProtocol, stream: boolean) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: meteredModelByProtocol[protocol],
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 50,
      stream,
    }),
  });
  const text = await response.text();
  const generationId = response.headers.get('x-meridian-generation-id')!;
  return { status: response.status, text, generation: await readGeneration(gateway.url, key, generationId) };
}

const script = (input: number, output: number): ModelScript => ({
  text: ['Hello', ' world'],
  usage: { input, cached: 0, output, reasoning: 0 },
});

describe('impossible usage is clamped in the customer’s favour (INV-7)', () => {
  const cases = protocols.flatMap((protocol) => [
    [protocol, false],
    [protocol, true],
  ]) as [UpstreamProtocol, boolean][];

  it.each(cases)(
    '%s (stream %s): a prompt above the context window bills the local estimate',
    async (protocol, stream) => {
      const before = await totalUsageNanos();
      const answer = script(50_000_000, 3);
      fake.enqueue(stream ? streamScript(protocol, answer) : completeScript(protocol, answer));
      const { status, generation } = await callModel(protocol, stream);
      expect(status).toBe(200);
      const costNanos = hiPromptEstimate * 1_000 + 3 * 2_000;
      expect(generation).toMatchObject({
        ending: 'success',
        native_tokens_prompt: hiPromptEstimate,
        native_tokens_completion: 3,
        usage_estimated: true,
        cost_nanos: String(costNanos),
        upstream_cost_nanos: String(costNanos),
      });
      expect((await totalUsageNanos()) - before).toBe(costNanos);
    },
  );

  it.each(cases)('%s (stream %s): an output above max_tokens bills max_tokens', async (protocol, stream) => {
    const before = await totalUsageNanos();
    const answer = script(10, 5_000_000);
    fake.enqueue(stream ? streamScript(protocol, answer) : completeScript(protocol, answer));
    const { status, generation } = await callModel(protocol, stream);
    expect(status).toBe(200);
    const costNanos = 10 * 1_000 + 50 * 2_000;
    expect(generation).toMatchObject({
      ending: 'success',
      native_tokens_prompt: 10,
      native_tokens_completion: 50,
      usage_estimated: true,
      cost_nanos: String(costNanos),
    });
    expect((await totalUsageNanos()) - before).toBe(costNanos);
  });
});

/** A scripted answer written compressed, as a proxy that ignores the request's (absent) Accept-Encoding would. */
function compressed(scenario: Scenario, coding: string, compress: (bytes: Buffer) => Buffer): Scenario {
  const isStream = scenario.kind === 'sse';
  const text =
    scenario.kind === 'sse' ? scenario.frames.join('') : JSON.stringify((scenario as { body: unknown }).body);
  return {
    kind: 'raw',
    status: 200,
    contentType: isStream ? 'text/event-stream' : 'application/json',
    body: compress(Buffer.from(text)),
    headers: { 'content-encoding': coding },
  };
}

describe('compressed upstream bodies are decoded', () => {
  const cases = protocols.flatMap((protocol) => [
    [protocol, false, 'gzip'],
    [protocol, true, 'gzip'],
  ]) as [UpstreamProtocol, boolean, string][];
  cases.push(['openai', false, 'deflate'], ['openai', true, 'br']);
  const compressors: Record<string, (bytes: Buffer) => Buffer> = {
    gzip: gzipSync,
    deflate: deflateSync,
    br: brotliCompressSync,
  };

  it.each(cases)('%s (stream %s, %s): served and charged as sent', async (protocol, stream, coding) => {
    const before = await totalUsageNanos();
    const answer = script(10, 3);
    const scenario = stream ? streamScript(protocol, answer) : completeScript(protocol, answer);
    fake.enqueue(compressed(scenario, coding, compressors[coding]!));
    const { status, text, generation } = await callModel(protocol, stream);
    expect(status).toBe(200);
    if (stream) expect(text).toContain('data: [DONE]');
    expect(stream ? text.match(/"content":"[^"]*"/g)?.join('') : text).toContain(stream ? ' world' : 'Hello world');
    const costNanos = 10 * 1_000 + 3 * 2_000;
    expect(generation).toMatchObject({ ending: 'success', usage_estimated: false, cost_nanos: String(costNanos) });
    expect((await totalUsageNanos()) - before).toBe(costNanos);
  });

  it('a body that does not decode is 502 upstream_invalid_response, charged nothing', async () => {
    const before = await totalUsageNanos();
    fake.enqueue({
      kind: 'raw',
      status: 200,
      contentType: 'application/json',
      body: Buffer.from('{"not":"gzip"}'),
      headers: { 'content-encoding': 'gzip' },
    });
    const { status, text, generation } = await callModel('openai', false);
    expect(status).toBe(502);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
    expect(generation).toMatchObject({ ending: 'error', cost_nanos: '0' });
    expect(await totalUsageNanos()).toBe(before);
  });
});

describe('a stream whose last event lacks only its blank line', () => {
  it.each(protocols)('%s: is whole, served and charged as reported', async (protocol) => {
    const before = await totalUsageNanos();
    const frames = (streamScript(protocol, script(10, 3)) as { frames: readonly string[] }).frames;
    const body = frames.join('').replace(/(\r?\n)\1$/, '$1');
    fake.enqueue({ kind: 'sse', frames: [body] });
    const { status, text, generation } = await callModel(protocol, true);
    expect(status).toBe(200);
    expect(text).not.toContain('"error"');
    const costNanos = 10 * 1_000 + 3 * 2_000;
    expect(generation).toMatchObject({ ending: 'success', usage_estimated: false, cost_nanos: String(costNanos) });
    expect((await totalUsageNanos()) - before).toBe(costNanos);
  });
});
