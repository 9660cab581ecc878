import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * `GET /metrics` after a mix of calls: Prometheus text, admin only, and the tokens
 * and spend it counts equal the ledger's and the generation records' exactly.
 */

let fake: FakeUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({
    // A second port for the scraper (metrics_port: 0 = any free port, printed at start).
    configYaml: createCreditsConfig(fake.baseUrl, { acme: '0.01', poor: '0.000001' }).replace(
      'server: { host: 127.0.0.1, port: 0 }',
      'server: { host: 127.0.0.1, port: 0, metrics_port: 0 }',
    ),
  });
});

/** The metrics-only listener's URL, from the line the start printed. */
function metricsPortUrl(): string {
  const match = /Metrics on (http:\/\/\S+) \(no key: keep this port private\)/.exec(gateway.output.join(''));
  expect(match).not.toBeNull();
  return match![1]!;
}

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

async function createKey(org: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${org}-key`, org_id: org }),
  });
  return ((await response.json()) as { key: string }).key;
}

async function call(key: string, body: Record<string, unknown>): Promise<Response> {
  const response = await callMeteredModel(gateway.url, key, body);
  await response.text();
  return response;
}

/** One sample's value, by its exact series (metric name and labels as rendered). */
function readSample(page: string, series: string): string | undefined {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line?.slice(series.length + 1);
}

const labels = 'model="test/metered",provider="fake-metered",origin="US"';

describe('GET /metrics', () => {
  it('counts requests, tokens and spend exactly as the ledger and the records do; admin only', async () => {
    const key = await createKey('acme');
    const usage = (input: number, output: number) => ({ input, cached: 0, output, reasoning: 0 });
    fake.enqueue(completeScript('openai', { text: ['one'], usage: usage(12, 7) }));
    fake.enqueue(streamScript('openai', { text: ['two'], usage: usage(20, 9) }));
    fake.enqueue({ kind: 'error', status: 500, body: '{"error":{"message":"down"}}' });
    const responses = [
      await call(key, {}),
      await call(key, { stream: true }),
      await call(key, {}),
      await call(await createKey('poor'), {}),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 502, 402]);
    // The failed call is recorded too: its prompt (counted locally, since the upstream reported nothing), charged 0.
    const failed = await readGeneration(gateway.url, key, responses[2]!.headers.get('x-meridian-generation-id')!);
    expect(failed['cost_nanos']).toBe('0');
    const failedPrompt = failed['tokens_prompt'] as number;
    expect(failedPrompt).toBeGreaterThan(0);

    const denied = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(denied.status).toBe(403);
    const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const page = await response.text();

    // 12 + 20 prompt tokens at 1 000 nano-USD, 7 + 9 completion tokens at 2 000: 64 000 nano-USD.
    expect(readSample(page, `meridian_tokens_total{${labels},kind="prompt"}`)).toBe(String(32 + failedPrompt));
    expect(readSample(page, `meridian_tokens_total{${labels},kind="completion"}`)).toBe('16');
    expect(readSample(page, `meridian_spend_usd_total{${labels}}`)).toBe('0.000064000');
    const credits = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await credits.json()) as { data: { total_usage: number } }).data.total_usage).toBe(0.000064);
    expect(readSample(page, 'meridian_upstream_errors_total{provider="fake-metered",class="http_5xx"}')).toBe('1');
    expect(readSample(page, 'meridian_rate_limit_refusals_total{reason="insufficient_credits"}')).toBe('1');
    const chat = page.split('\n').filter((line) => line.startsWith('meridian_requests_total{route="chat"'));
    const total = chat.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    // The 2 successes, the upstream failure, the 402 — and not the metrics scrapes or key creations.
    expect(total).toBe(4);
    expect(chat.some((line) => line.includes('status_class="2xx",ending="success"'))).toBe(true);
    // Time to first token is the stream's only: the JSON answer had none to observe.
    expect(readSample(page, 'meridian_time_to_first_token_seconds_count{route="chat",provider="fake-metered"}')).toBe(
      '1',
    );
    expect(readSample(page, 'meridian_holds_in_flight')).toBe('0');
    expect(page).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
  });

  it('serves the same page without a key on server.metrics_port, and nothing else there', async () => {
    const byAdmin = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    const byPort = await fetch(metricsPortUrl());
    expect([byPort.status, byPort.headers.get('content-type')]).toEqual([
      200,
      'text/plain; version=0.0.4; charset=utf-8',
    ]);
    const meridianLines = (page: string) =>
      page.split('\n').filter((line) => line.startsWith('meridian_requests_total'));
    const portPage = await byPort.text();
    expect(meridianLines(portPage).length).toBeGreaterThan(0);
    expect(meridianLines(portPage)).toEqual(meridianLines(await byAdmin.text()));
    const base = metricsPortUrl().replace(/\/metrics$/, '');
    expect((await fetch(`${base}/v1/models`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    // The gateway's own port still wants the admin key.
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
  });

  it('reports readiness with its checks', async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { storage: 'ok', draining: false, rate_limits: 'local' },
    });
  });

  it('agrees with the generation records it counted', async () => {
    const before = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
    ).text();
    const promptBefore = Number(readSample(before, `meridian_tokens_total{${labels},kind="prompt"}`));
    const key = await createKey('acme');
    fake.enqueue(completeScript('openai', { text: ['x'], usage: { input: 5, cached: 0, output: 3, reasoning: 0 } }));
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    const id = ((await response.json()) as { id: string }).id;
    const generation = await readGeneration(gateway.url, key, id);
    const page = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
    ).text();
    // 5 more prompt tokens; spend 64 000 + 11 000 nano-USD.
    expect(generation['cost_nanos']).toBe('11000');
    expect(readSample(page, `meridian_tokens_total{${labels},kind="prompt"}`)).toBe(String(promptBefore + 5));
    expect(readSample(page, `meridian_spend_usd_total{${labels}}`)).toBe('0.000075000');
  });

  // Last: its charge would change the totals the cases above expect.
  it('counts a client that left a stream under its ending, model and provider', async () => {
    const key = await createKey('acme');
    const usage = { input: 10, cached: 0, output: 5, reasoning: 0 };
    const frames = (streamScript('openai', { text: ['a', 'b', 'c'], usage }) as { readonly frames: readonly string[] })
      .frames;
    fake.enqueue({ kind: 'sse', frames, holdAfter: 2 });
    const controller = new AbortController();
    const response = await callMeteredModel(gateway.url, key, { stream: true }, controller.signal);
    await response.body!.getReader().read();
    await fake.waitForHold();
    controller.abort();
    const series = `meridian_requests_total{route="chat",${labels},status_class="2xx",ending="client_abort"}`;
    const scrape = async () =>
      readSample(
        await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })).text(),
        series,
      );
    await expect.poll(scrape, { timeout: 2_000 }).toBe('1');
  });
});
