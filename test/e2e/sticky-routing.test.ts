import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createMemberKey, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Prompt-cache stickiness, measured through cached tokens: two equally priced
 * endpoints, each simulating a provider prompt cache (the prompt's common prefix
 * with the last prompt it saw counts as cached). Without stickiness the price
 * weighting would split a conversation about 50/50 and lose the cache on every move.
 */

let x: FakeUpstream;
let y: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;

function config(xUrl: string, yUrl: string): string {
  const provider = (id: string, url: string) => `
  - id: ${id}
    protocol: openai
    base_url: ${url}
    api_key: ${id}-secret`;
  const endpoint = (id: string) => `
      - provider: ${id}
        model: upstream
        pricing: { prompt: "1.00", completion: "2.00", cache_read: "0.10" }`;
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
providers:${provider('cache-x', xUrl)}${provider('cache-y', yUrl)}
models:
  - id: test/sticky
    name: Sticky
    author: test
    origin: US
    context_length: 131072
    endpoints:${endpoint('cache-x')}${endpoint('cache-y')}
`;
}

/** A provider-side prompt cache: characters shared with the previous prompt, 4 per token. */
function cachingAnswer(): Scenario {
  let lastPrompt = '';
  const answer = (body: Record<string, unknown>): Scenario => {
    const prompt = JSON.stringify(body['messages']);
    let common = 0;
    while (common < prompt.length && prompt[common] === lastPrompt[common]) common += 1;
    lastPrompt = prompt;
    const input = Math.ceil(prompt.length / 4);
    return completeScript('openai', {
      text: ['ok'],
      usage: { input, cached: Math.floor(common / 4), output: 5, reasoning: 0 },
    });
  };
  return { kind: 'dynamic', answer: (request) => answer(request.body) };
}

beforeAll(async () => {
  x = await createFakeUpstream();
  y = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(x.baseUrl, y.baseUrl) });
  const key = (await createMemberKey(gateway.url, 'sticky')).key;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await Promise.all([x.close(), y.close()]);
});

describe('prompt-cache stickiness', () => {
  it('keeps an agent conversation on the endpoint holding its cache, turn after turn', async () => {
    const turns = 10;
    const xCache = cachingAnswer();
    const yCache = cachingAnswer();
    for (let turn = 0; turn < turns; turn += 1) {
      x.enqueue(xCache);
      y.enqueue(yCache);
    }
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a coding agent. '.repeat(40) },
      { role: 'user', content: 'Refactor the parser.' },
    ];
    const providers: string[] = [];
    const cached: number[] = [];
    for (let turn = 0; turn < turns; turn += 1) {
      const { data, response } = await client.chat.completions
        .create({ model: 'test/sticky', messages })
        .withResponse();
      providers.push(response.headers.get('x-meridian-provider')!);
      cached.push(data.usage!.prompt_tokens_details!.cached_tokens!);
      messages.push({ role: 'assistant', content: 'ok' }, { role: 'user', content: `Next step ${turn}.` });
    }
    expect(new Set(providers).size).toBe(1);
    expect(cached[0]).toBe(0);
    for (const count of cached.slice(1)) expect(count).toBeGreaterThan(250);
    expect(x.received.length + y.received.length).toBe(turns);
  });
});
