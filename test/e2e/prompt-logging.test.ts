import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { testAdminKey } from '../support/gateway-config.js';
import { readSseData } from '../support/read-sse.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Opt-in prompt logging (issue #8): org alpha opts in through the config file, org beta does not. Alpha's JSON and
 * streamed calls are readable exactly (messages, text, tool calls) by alpha's members and the admin, by nobody
 * else; beta's prompts are in no database file at all. Turning logging off through the API hides alpha's content
 * at once and deletes its rows; turning it on again logs new calls.
 */

const unique = (label: string): string => `${label}-${randomBytes(8).toString('hex')}`;
const alphaJsonPrompt = unique('alpha-json-prompt');
const alphaStreamPrompt = unique('alpha-stream-prompt');
const alphaAfterOffPrompt = unique('alpha-after-off-prompt');
const betaJsonPrompt = unique('beta-json-prompt');
const betaStreamPrompt = unique('beta-stream-prompt');
const usage = { input: 9, cached: 0, output: 4, reasoning: 0 };

let fake: FakeUpstream;
let gateway: GatewayProcess;
let alphaCaller: string;
let alphaReader: string;
let betaCaller: string;

function config(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
providers:
  - { id: fake-logged, protocol: openai, base_url: ${fakeBaseUrl}, api_key: logged-upstream-secret }
models:
  - id: test/logged
    name: Logged
    author: test
    origin: US
    context_length: 131072
    endpoints: [{ provider: fake-logged, model: logged-upstream, pricing: { prompt: "1.00", completion: "2.00" } }]
orgs:
  - { id: alpha, credits: "1.00", prompt_logging: { enabled: true, retention_days: 7 } }
  - { id: beta, credits: "1.00" }
`;
}

async function createKey(org: string, name: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, org_id: org }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

const messages = (prompt: string) => [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: prompt },
];

/** The canonical messages prompt logging stores for {@link messages}. */
const canonicalMessages = (prompt: string) => [
  { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
  { role: 'user', content: [{ type: 'text', text: prompt }] },
];

/** A JSON call answered with `text`; returns the generation id. */
async function callJson(key: string, prompt: string, text: string): Promise<string> {
  fake.enqueue(completeScript('openai', { text: [text], usage }));
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test/logged', messages: messages(prompt), max_tokens: 50 }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

/** A streamed call answered with two text pieces and a tool call; returns the generation id. */
async function callStream(key: string, prompt: string): Promise<string> {
  fake.enqueue(
    streamScript('openai', {
      text: ['Looking ', 'it up.'],
      toolCalls: [{ id: 'call_1', name: 'lookup', argumentPieces: ['{"q":', '"weather"}'] }],
      usage,
    }),
  );
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test/logged', messages: messages(prompt), max_tokens: 50, stream: true }),
  });
  expect(response.status).toBe(200);
  const data = await readSseData(response);
  expect(data.at(-1)).toBe('[DONE]');
  return (JSON.parse(data[0]!) as { id: string }).id;
}

async function readContent(key: string, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/api/v1/generation/content?id=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface PatchAnswer {
  readonly status: number;
  readonly body: {
    readonly data: Record<string, unknown>;
    readonly error: { readonly code: string; readonly param: string };
  };
}

async function patchOrg(key: string, org: string, body: unknown): Promise<PatchAnswer> {
  const response = await fetch(`${gateway.url}/api/v1/orgs/${org}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as PatchAnswer['body'] };
}

/** Every database file of the node (main file, WAL, shared memory), as bytes. */
function readDatabaseBytes(): string {
  return readdirSync(gateway.directory)
    .filter((name) => name.startsWith('meridian.db'))
    .map((name) => readFileSync(join(gateway.directory, name)).toString('latin1'))
    .join('\n');
}

/** Alpha's content rows, read through a second (read-only) connection to the node's database. */
function countContentRows(org: string): number {
  const database = new Database(join(gateway.directory, 'meridian.db'), { readonly: true });
  try {
    return database.prepare('SELECT COUNT(*) FROM generation_content WHERE org_id = ?').pluck().get(org) as number;
  } finally {
    database.close();
  }
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
  alphaCaller = await createKey('alpha', 'alpha-caller');
  alphaReader = await createKey('alpha', 'alpha-reader');
  betaCaller = await createKey('beta', 'beta-caller');
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

describe('prompt logging', () => {
  let alphaJsonId: string;
  let alphaStreamId: string;
  let betaJsonId: string;
  let betaStreamId: string;

  it("stores an opted-in org's JSON and streamed calls exactly, readable by its members and the admin", async () => {
    alphaJsonId = await callJson(alphaCaller, alphaJsonPrompt, 'Hello alpha.');
    alphaStreamId = await callStream(alphaCaller, alphaStreamPrompt);

    const json = await readContent(alphaReader, alphaJsonId);
    expect(json.status).toBe(200);
    expect(json.body['data']).toEqual({
      id: alphaJsonId,
      org_id: 'alpha',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      prompt: canonicalMessages(alphaJsonPrompt),
      prompt_truncated: false,
      completion: [{ index: 0, content: [{ type: 'text', text: 'Hello alpha.' }] }],
      completion_truncated: false,
    });

    const streamed = await readContent(alphaCaller, alphaStreamId);
    expect(streamed.status).toBe(200);
    expect(streamed.body['data']).toEqual({
      id: alphaStreamId,
      org_id: 'alpha',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      prompt: canonicalMessages(alphaStreamPrompt),
      prompt_truncated: false,
      completion_truncated: false,
      completion: [
        {
          index: 0,
          content: [
            { type: 'text', text: 'Looking it up.' },
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'lookup', arguments: '{"q":"weather"}' },
          ],
        },
      ],
    });

    const byAdmin = await readContent(testAdminKey, alphaStreamId);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body['data']).toEqual(streamed.body['data']);
    expect(countContentRows('alpha')).toBe(2);
  });

  it('stores nothing for an org that did not opt in: its prompts are in no database file', async () => {
    betaJsonId = await callJson(betaCaller, betaJsonPrompt, 'Hello beta.');
    betaStreamId = await callStream(betaCaller, betaStreamPrompt);
    for (const id of [betaJsonId, betaStreamId]) {
      expect((await readContent(betaCaller, id)).status).toBe(404);
      expect((await readContent(testAdminKey, id)).status).toBe(404);
    }
    // The generation records exist; only their content was never written.
    const record = await fetch(`${gateway.url}/api/v1/generation?id=${betaJsonId}`, {
      headers: { authorization: `Bearer ${betaCaller}` },
    });
    expect(record.status).toBe(200);
    expect(countContentRows('beta')).toBe(0);
    const bytes = readDatabaseBytes();
    // The search can find a prompt that was stored (alpha's), so an absence means something.
    expect(bytes.includes(alphaJsonPrompt)).toBe(true);
    expect(bytes.includes(betaJsonPrompt)).toBe(false);
    expect(bytes.includes(betaStreamPrompt)).toBe(false);
  });

  it("answers another org's generation 404, both ways, like GET /v1/generation", async () => {
    const crossRead = await readContent(betaCaller, alphaJsonId);
    expect(crossRead.status).toBe(404);
    expect(crossRead.body).toEqual({
      error: {
        message: `No stored prompt for generation '${alphaJsonId}'.`,
        type: 'not_found_error',
        param: 'id',
        code: 'not_found',
        request_id: expect.any(String),
      },
    });
    expect((await readContent(alphaReader, betaJsonId)).status).toBe(404);
    expect((await readContent(alphaReader, 'gen-unknown')).status).toBe(404);
    const missingId = await fetch(`${gateway.url}/api/v1/generation/content`, {
      headers: { authorization: `Bearer ${alphaReader}` },
    });
    expect(missingId.status).toBe(400);
  });

  it('refuses setting changes from members, for unknown orgs and with malformed bodies', async () => {
    expect((await patchOrg(alphaCaller, 'alpha', { prompt_logging: { enabled: false } })).status).toBe(403);
    expect((await patchOrg(testAdminKey, 'nobody', { prompt_logging: { enabled: true } })).status).toBe(404);
    const cases: [unknown, string][] = [
      [{ prompt_logging: { enabled: 'yes' } }, 'prompt_logging.enabled'],
      [{ prompt_logging: { retention_days: 366 } }, 'prompt_logging.retention_days'],
      [{ prompt_logging: { retention_days: 1.5 } }, 'prompt_logging.retention_days'],
      [{ prompt_logging: {} }, 'prompt_logging'],
      [{ prompt_logging: { enabled: true, retention: 3 } }, 'prompt_logging.retention'],
      [{ markup_basis_points: 5 }, 'markup_basis_points'],
      [[], 'body'],
    ];
    for (const [body, param] of cases) {
      const answer = await patchOrg(testAdminKey, 'alpha', body);
      expect([answer.status, answer.body.error.code, answer.body.error.param]).toEqual([400, 'invalid_request', param]);
    }
    // None of them changed anything: alpha still logs.
    expect((await readContent(alphaReader, alphaJsonId)).status).toBe(200);
  });

  it('turning logging off hides the content at once, deletes the rows, and stops logging new calls', async () => {
    const off = await patchOrg(testAdminKey, 'alpha', { prompt_logging: { enabled: false } });
    expect(off).toEqual({
      status: 200,
      body: {
        data: {
          id: 'alpha',
          name: 'alpha',
          markup_basis_points: 0,
          prompt_logging: { enabled: false, retention_days: 7 },
        },
      },
    });
    expect((await readContent(alphaReader, alphaJsonId)).status).toBe(404);
    expect((await readContent(testAdminKey, alphaStreamId)).status).toBe(404);
    // The purge started by the change deletes the rows in batches, off the request: wait for it (bounded).
    for (let attempt = 0; attempt < 100 && countContentRows('alpha') > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(countContentRows('alpha')).toBe(0);

    const afterOffId = await callJson(alphaCaller, alphaAfterOffPrompt, 'Not logged.');
    expect((await readContent(alphaReader, afterOffId)).status).toBe(404);
    expect(countContentRows('alpha')).toBe(0);
    expect(readDatabaseBytes().includes(alphaAfterOffPrompt)).toBe(false);
  });

  it('turning it on again logs new calls with the new retention', async () => {
    const on = await patchOrg(testAdminKey, 'alpha', { prompt_logging: { enabled: true, retention_days: 1 } });
    expect(on.body.data['prompt_logging']).toEqual({ enabled: true, retention_days: 1 });
    const prompt = unique('alpha-again');
    const id = await callJson(alphaCaller, prompt, 'Logged again.');
    const content = await readContent(alphaReader, id);
    expect(content.status).toBe(200);
    expect(content.body['data']).toEqual({
      id,
      org_id: 'alpha',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      prompt: canonicalMessages(prompt),
      prompt_truncated: false,
      completion: [{ index: 0, content: [{ type: 'text', text: 'Logged again.' }] }],
      completion_truncated: false,
    });
    // Content logged before the switch was off stays deleted.
    expect((await readContent(alphaReader, alphaJsonId)).status).toBe(404);
  });
});
