import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, ReceivedRequest, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * `/metrics` scraped while 240 calls (JSON and streams, 24 at a time) run against one org (issue #8): every scrape
 * answers, counters never go down, and once the load is over the tokens and spend it shows equal the ledger's
 * charges and the upstream's reported usage exactly.
 */

const callCount = 240;
const concurrency = 24;
const labels = 'model="test/metered",provider="fake-metered",origin="US"';
let fake: FakeUpstream;
let gateway: GatewayProcess;

/** Call `index` reports 10 + index prompt tokens and 1 + index % 7 completion tokens. */
const usageOf = (index: number) => ({ input: 10 + index, cached: 0, output: 1 + (index % 7), reasoning: 0 });

function answerByIndex(request: ReceivedRequest): Scenario {
  const messages = request.body['messages'] as readonly { readonly content: string }[];
  const index = Number(/call (\d+)/.exec(messages[0]!.content)![1]);
  const script = { text: ['ok'], usage: usageOf(index) };
  return request.body['stream'] === true ? streamScript('openai', script) : completeScript('openai', script);
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: createCreditsConfig(fake.baseUrl, { acme: '10.00' }) });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

async function createKey(): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'load', org_id: 'acme' }),
  });
  return ((await response.json()) as { key: string }).key;
}

async function call(key: string, index: number): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'test/metered',
      messages: [{ role: 'user', content: `call ${index}` }],
      max_tokens: 20,
      stream: index % 2 === 1,
    }),
  });
  await response.text();
  return response.status;
}

async function scrape(): Promise<{ readonly status: number; readonly page: string }> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
  return { status: response.status, page: await response.text() };
}

function readNumber(page: string, series: string): number {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function readChatRequests(page: string): number {
  return page
    .split('\n')
    .filter((line) => line.startsWith('meridian_requests_total{route="chat"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('/metrics under load', () => {
  it('answers every scrape, only counts up, and ends equal to the ledger', async () => {
    for (let index = 0; index < callCount; index += 1) fake.enqueue({ kind: 'dynamic', answer: answerByIndex });
    const key = await createKey();
    let next = 0;
    const statuses: number[] = [];
    const worker = async (): Promise<void> => {
      while (next < callCount) {
        const index = next;
        next += 1;
        statuses.push(await call(key, index));
      }
    };
    const load = Promise.all(Array.from({ length: concurrency }, worker));
    let isLoadDone = false;
    void load.then(() => (isLoadDone = true));

    const samples: { prompt: number; completion: number; requests: number }[] = [];
    const scrapeStatuses: number[] = [];
    for (let round = 0; round < 1_000 && !isLoadDone; round += 1) {
      const { status, page } = await scrape();
      scrapeStatuses.push(status);
      samples.push({
        prompt: readNumber(page, `meridian_tokens_total{${labels},kind="prompt"}`),
        completion: readNumber(page, `meridian_tokens_total{${labels},kind="completion"}`),
        requests: readChatRequests(page),
      });
    }
    await load;

    expect(statuses).toEqual(Array.from({ length: callCount }, () => 200));
    // Scrapes landed while calls were being counted, not only before or after the load.
    expect(samples.some((sample) => sample.requests > 0 && sample.requests < callCount)).toBe(true);
    expect(scrapeStatuses.every((status) => status === 200)).toBe(true);
    for (let index = 1; index < samples.length; index += 1) {
      expect(samples[index]!.prompt).toBeGreaterThanOrEqual(samples[index - 1]!.prompt);
      expect(samples[index]!.completion).toBeGreaterThanOrEqual(samples[index - 1]!.completion);
      expect(samples[index]!.requests).toBeGreaterThanOrEqual(samples[index - 1]!.requests);
    }

    const indexes = Array.from({ length: callCount }, (_, index) => index);
    const promptTokens = indexes.reduce((sum, index) => sum + usageOf(index).input, 0);
    const completionTokens = indexes.reduce((sum, index) => sum + usageOf(index).output, 0);
    // Prompt 1 000 and completion 2 000 nano-USD per token.
    const spendNanos = promptTokens * 1_000 + completionTokens * 2_000;
    expect([promptTokens, completionTokens, spendNanos]).toEqual([31_080, 955, 32_990_000]);

    const { page } = await scrape();
    expect(readNumber(page, `meridian_tokens_total{${labels},kind="prompt"}`)).toBe(promptTokens);
    expect(readNumber(page, `meridian_tokens_total{${labels},kind="completion"}`)).toBe(completionTokens);
    expect(page).toContain(`meridian_spend_usd_total{${labels}} 0.032990000\n`);
    expect(readChatRequests(page)).toBe(callCount);
    expect(readNumber(page, 'meridian_holds_in_flight')).toBe(0);

    const credits = await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    const { data } = (await credits.json()) as { data: Record<string, unknown> };
    expect(data).toEqual({
      org_id: 'acme',
      total_credits: 10,
      total_credits_nanos: '10000000000',
      total_usage: 0.03299,
      total_usage_nanos: '32990000',
      available: 9.96701,
      available_nanos: '9967010000',
      held: 0,
      held_nanos: '0',
    });
  });
});
