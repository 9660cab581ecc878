import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, ReceivedRequest } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { readAttributes, startFakeOtlpCollector } from '../support/fake-otlp-collector.js';
import type { FakeOtlpCollector } from '../support/fake-otlp-collector.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Canaries (issue #8): a unique provider key, admin key, API key and prompt are driven
 * through successes, client errors, upstream failures that echo what they received
 * (as some providers echo a bad key), and a kill -9 mid-stream. Then every log line,
 * every error body, the metrics page, every exported trace and the database files are
 * searched: no canary may appear, except an API key's digest (by design, not the key)
 * in the database.
 */

const canary = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;
const providerKey = canary('sk-canary-provider');
const adminKey = canary('sk-canary-admin');
const promptCanary = canary('CANARY-PROMPT');

let fake: FakeUpstream;
let collector: FakeOtlpCollector;
let gateway: GatewayProcess;
const outputs: string[] = [];
const clientBodies: string[] = [];

function config(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
observability: { traces: { otlp_endpoint: "${collector.url}" } }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${adminKey}" }
sandbox: { enabled: false }
providers:
  - { id: fake-canary, protocol: openai, base_url: ${fakeBaseUrl}, api_key: "${providerKey}" }
models:
  - id: test/canary
    name: Canary
    author: test
    origin: US
    context_length: 131072
    endpoints: [{ provider: fake-canary, model: canary, pricing: { prompt: "1.00", completion: "2.00" } }]
orgs:
  - { id: default, credits: "1.00" }
`;
}

/** An upstream failure that echoes the request's authorization header and prompt back in its message. */
function echoingFailure(status: number) {
  return {
    kind: 'dynamic' as const,
    answer: (request: ReceivedRequest) => ({
      kind: 'error' as const,
      status,
      body: JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${String(request.headers.authorization)}; prompt was ${JSON.stringify(request.body['messages'])}`,
        },
      }),
    }),
  };
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  collector = await startFakeOtlpCollector();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl), env: { MERIDIAN_LOG_LEVEL: 'info' } });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
  await collector.close();
});

async function send(path: string, key: string, body: string): Promise<Response> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  clientBodies.push(await response.clone().text());
  return response;
}

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'test/canary',
    messages: [{ role: 'user', content: promptCanary }],
    max_tokens: 20,
    ...extra,
  });

describe('canaries', () => {
  it('appear in no log line, error body, metrics sample, trace or database file', async () => {
    const created = await send('/api/v1/keys', adminKey, JSON.stringify({ name: 'canary' }));
    const apiKey = ((await created.json()) as { key: string }).key;
    clientBodies.pop(); // the one answer that shows a key, once, by design

    fake.enqueue(completeScript('openai', { text: ['fine'], usage: { input: 5, cached: 0, output: 2, reasoning: 0 } }));
    expect((await send('/v1/chat/completions', apiKey, chat())).status).toBe(200);
    fake.enqueue(echoingFailure(401));
    expect((await send('/v1/chat/completions', apiKey, chat())).status).toBe(502);
    fake.enqueue(echoingFailure(400));
    const clientFault = await send('/v1/chat/completions', apiKey, chat());
    expect(clientFault.status).toBe(400);
    // By design the provider's words about the client's own mistake reach that client (its own prompt, echoed):
    // checked for every secret but the prompt, below.
    const ownEcho = clientBodies.pop()!;
    expect(ownEcho).toContain('[redacted]');
    fake.enqueue(echoingFailure(500));
    expect((await send('/v1/messages', apiKey, chat())).status).toBe(502);
    expect((await send('/v1/chat/completions', apiKey, `{"messages": "${promptCanary}`)).status).toBe(400);
    expect((await send('/v1/chat/completions', `${apiKey}x`, chat())).status).toBe(401);
    expect((await send('/v1/chat/completions', providerKey, chat())).status).toBe(401);
    const metrics = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
    clientBodies.push(await metrics.text());

    // A crash mid-stream, then a restart on the same files.
    fake.enqueue({
      kind: 'sse',
      frames: [`data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n`],
      holdAfter: 1,
    });
    const streaming = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: chat({ stream: true }),
    });
    clientBodies.push(new TextDecoder().decode((await streaming.body!.getReader().read()).value));
    gateway.child.kill('SIGKILL');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
    outputs.push(...gateway.output);
    gateway = await startGatewayProcess({
      configYaml: config(fake.baseUrl),
      directory: gateway.directory,
      env: { MERIDIAN_LOG_LEVEL: 'info' },
    });
    fake.enqueue(echoingFailure(503));
    expect((await send('/v1/chat/completions', apiKey, chat())).status).toBe(502);
    await gateway.stop();
    outputs.push(...gateway.output);

    const logs = outputs.join('');
    // Logs were captured: one line per request, with ids and timings.
    expect(logs).toMatch(
      /"event":"request","requestId":"[^"]+","method":"POST","path":"\/v1\/chat\/completions","status":502/,
    );
    const databaseFiles = readdirSync(gateway.directory)
      .filter((name) => name.startsWith('meridian.db'))
      .map((name) => readFileSync(join(gateway.directory, name)).toString('latin1'));
    expect(databaseFiles.length).toBeGreaterThan(0);
    // Traces were exported (the restarted node flushed on SIGTERM), the failed call among them, by its code only.
    const failedCalls = collector
      .spans()
      .filter((span) => span.name === 'chat test/canary' && readAttributes(span)['error.type'] === 'upstream_error');
    expect(failedCalls.length).toBeGreaterThan(0);
    const traces = collector.requests.map((request) => request.body).join('\n');
    const places = {
      logs,
      'client bodies': clientBodies.join('\n'),
      database: databaseFiles.join('\n'),
      traces,
    };
    for (const [name, secret] of Object.entries({ providerKey, adminKey, apiKey })) {
      expect(ownEcho.includes(secret), `${name} found in the client's own 400`).toBe(false);
    }
    for (const [place, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries({ providerKey, adminKey, apiKey, promptCanary })) {
        expect(text.includes(secret), `${name} found in ${place}`).toBe(false);
      }
    }
  });
});
