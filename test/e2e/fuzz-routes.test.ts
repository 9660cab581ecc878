import { createServer, request as sendHttpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, ReceivedRequest, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import {
  bodyCaseArbitrary,
  deeplyNestedBody,
  generationsQueryArbitrary,
  loginAddressArbitrary,
  mutatedJsonArbitrary,
  pathSegmentArbitrary,
  queryStringArbitrary,
  serializeJson,
  sessionHeadersArbitrary,
} from '../support/fuzz-arbitraries.js';
import type { BodyCase, FuzzSession } from '../support/fuzz-arbitraries.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Issue #8 acceptance: fast-check fuzzing of every JSON route of a running gateway. Bodies are
 * deeply mutated valid samples, arbitrary JSON, bytes that are not JSON, odd content types and
 * framings, with good, missing and wrong keys. For every case: no 5xx, an answer within
 * `answerTimeoutMs`, an error body in the route's dialect whose `code` is in the code table
 * with that code's status and type, a well-formed SSE stream when one is sent — and the
 * process still answers /healthz afterwards.
 *
 * No 5xx at all, 502/503/504 included: chat routes go to the built-in sandbox and embeddings
 * to a fake upstream that always answers well, and every model a case can name is either
 * served by one of them or unknown (404). So a 502 or 504 here is a gateway or sandbox bug,
 * and a 503 means the gateway blamed its providers for something the request did.
 *
 * Each property records every failing case instead of stopping at the first, grouped by
 * route and problem with the smallest case kept, so one run lists every distinct finding; a
 * crashed or stuck gateway is recorded and replaced by a fresh one. Cases found by earlier
 * runs are replayed first on every run (`knownBodies`, fast-check `examples`). Named tests
 * add pathological nesting and a tokenizer worst case. Replay a run with MERIDIAN_FUZZ_SEED=<seed>.
 *
 * Dashboard sign-in is fuzzed like any JSON route (each case from its own loopback address, so the per-address
 * throttle leaves the body checks reachable), and session/sign-out with random cookies and CSRF tokens. Provider
 * routes write base URLs the SSRF guard judges without DNS (IP literals; the only allow-listed one is a closed
 * loopback port, so nothing is ever sent); they change the catalog, so the suites after them get a fresh gateway.
 */

const answerTimeoutMs = 10_000;
const seed = Number(process.env['MERIDIAN_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const runsPerModelRoute = 150;
const runsPerManagementRoute = 200;
const runsForReadRoutes = 200;
const runsPerStreamRoute = 100;
const runsForSessionRoutes = 200;
/** Room for a few cases that hit `answerTimeoutMs` and a gateway restart, so the report is not lost to a test timeout. */
const fuzzTestTimeoutMs = 180_000;
const memberKey = 'fuzz-member-key-0123456789abcdef';
/** Provider keys are sealed under this master key (without one, creating a provider with a key is a 503 by design). */
const masterKeys = `fuzz:${Buffer.alloc(32, 9).toString('base64')}`;

type Dialect = 'openai' | 'anthropic';
/** Whose key the route is meant for; `anonymous` routes (sign-in) take none. */
type Caller = 'member' | 'admin' | 'anonymous';

/** Objects the routes need ids of, created through the API before fuzzing. */
interface Fixtures {
  readonly patchKeyId: string;
  readonly rotateKeyIds: readonly string[];
  readonly deleteKeyIds: readonly string[];
  readonly creditCode: string;
  readonly generationId: string;
  readonly patchProviderId: string;
  readonly deleteProviderIds: readonly string[];
  /** Live dashboard sessions (two of the member key, two of the admin key), for cookie-authenticated cases. */
  readonly sessions: readonly FuzzSession[];
}

interface Exchange {
  /** Set on known cases: why this case is in the corpus (kept apart from random findings in the report). */
  readonly note?: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: BodyCase | undefined;
  /** The loopback address the case connects from (default: the system's choice, 127.0.0.1). */
  readonly localAddress?: string;
}

type Outcome =
  | { readonly kind: 'answer'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'connection-error'; readonly message: string };

interface Finding {
  readonly route: string;
  readonly problem: string;
  readonly exchange: Exchange;
  readonly answer: string;
  count: number;
}

/** A body that failed in an earlier run, with why it matters; `path` defaults to the route's `examplePath`. */
interface KnownBody {
  readonly note: string;
  readonly path?: (fixtures: Fixtures) => string;
  readonly body: Record<string, unknown>;
}

interface JsonRoute {
  readonly name: string;
  readonly method: 'POST' | 'PATCH' | 'DELETE';
  readonly dialect: Dialect;
  readonly caller: Caller;
  readonly path: (fixtures: Fixtures) => fc.Arbitrary<string>;
  /** One concrete path (real ids) for the named cases. */
  readonly examplePath: (fixtures: Fixtures) => string;
  readonly samples: (fixtures: Fixtures) => readonly Record<string, unknown>[];
  /**
   * Bodies earlier runs found failing, replayed first on every run (fast-check `examples`), so a known
   * finding fails the test every time rather than when the seed happens to reach it.
   */
  readonly knownBodies?: readonly KnownBody[];
  /** Where each random case connects from (sign-in: a per-address throttle). */
  readonly localAddress?: fc.Arbitrary<string>;
}

// ---------------------------------------------------------------- samples (valid requests the mutations start from)

const chatSamples: Record<string, unknown>[] = [
  {
    model: 'meridian/sandbox-chat',
    messages: [
      { role: 'system', content: 'Answer briefly.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is 2 + 2? Use the tool.' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '4' },
    ],
    max_tokens: 24,
    temperature: 0.7,
    top_p: 0.9,
    n: 1,
    stop: ['END'],
    seed: 42,
    presence_penalty: 0.1,
    frequency_penalty: 0.1,
    tools: [
      {
        type: 'function',
        function: {
          name: 'add',
          description: 'Adds two numbers.',
          parameters: {
            type: 'object',
            properties: { a: { type: 'number' }, b: { type: 'number' } },
            required: ['a', 'b'],
          },
        },
      },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    user: 'fuzz-user',
    stream: false,
  },
  {
    model: 'meridian/sandbox-reasoner',
    messages: [
      { role: 'developer', content: 'Reply in JSON.' },
      { role: 'user', content: 'List two colours.' },
    ],
    max_completion_tokens: 64,
    reasoning: { effort: 'low' },
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'colours',
        schema: { type: 'object', properties: { colours: { type: 'array', items: { type: 'string' } } } },
      },
    },
    stream_options: { include_usage: true },
    provider: { order: ['sandbox'], allow_fallbacks: true },
    models: ['meridian/sandbox-chat'],
  },
  { model: 'meridian/sandbox-chat', messages: [{ role: 'user', content: 'hi' }] },
];

const messagesSamples: Record<string, unknown>[] = [
  {
    model: 'meridian/sandbox-chat',
    max_tokens: 64,
    system: [{ type: 'text', text: 'Answer briefly.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ],
    tools: [
      {
        name: 'weather',
        description: 'Current weather.',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ],
    tool_choice: { type: 'auto' },
    temperature: 0.3,
    top_p: 0.9,
    stop_sequences: ['END'],
    metadata: { user_id: 'fuzz-user' },
    stream: false,
  },
  {
    model: 'meridian/sandbox-reasoner',
    max_tokens: 2_048,
    thinking: { type: 'enabled', budget_tokens: 1_024 },
    messages: [{ role: 'user', content: 'Think, then answer: 2 + 2?' }],
  },
  { model: 'meridian/sandbox-chat', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
];

const countTokensSamples = messagesSamples.map(({ model, system, messages, tools, tool_choice, thinking }) =>
  Object.fromEntries(Object.entries({ model, system, messages, tools, tool_choice, thinking }).filter(isDefined)),
);

/** A loopback port nothing listens on: the one destination the config allow-lists for API-created providers. */
let closedPort = 0;

function providerBaseUrl(): string {
  return `http://127.0.0.1:${closedPort}/v1`;
}

function providerModelSample(): Record<string, unknown> {
  return {
    id: 'fuzz-provider/model-a',
    name: 'Fuzz Model A',
    author: 'fuzz-provider',
    origin: 'US',
    context_length: 32_768,
    upstream_model: 'model-a',
    pricing: { prompt: '1.00', completion: '2.00', cache_read: '0.10', cache_write: '1.25', reasoning: '2.00' },
    max_output: 4_096,
  };
}

function providerCreateSamples(): Record<string, unknown>[] {
  return [
    {
      id: 'fuzz-provider',
      protocol: 'openai',
      base_url: providerBaseUrl(),
      api_key: 'sk-fuzz-provider-0123456789abcdef',
      models: [providerModelSample()],
    },
    { id: 'fuzz-anthropic', protocol: 'anthropic', base_url: providerBaseUrl(), api_key: null, models: [] },
    { id: 'fuzz-gemini', protocol: 'gemini', base_url: providerBaseUrl() },
  ];
}

/**
 * Base URLs a provider created through the API must not get (400, nothing stored): loopback, private, link-local
 * and metadata addresses in decimal, hex, octal and IPv6 spellings; the allow-listed port on another address;
 * credentials, a query string, other schemes. All IP literals or `localhost`: no DNS query leaves the machine.
 */
function ssrfBaseUrls(): string[] {
  return [
    'http://127.0.0.1:1/v1',
    `http://127.0.0.2:${closedPort}/v1`,
    `http://[::ffff:127.0.0.1]:${closedPort}/v1`,
    `http://2130706433:${closedPort}/v1`,
    'http://0x7f.0.0.1/v1',
    'http://0177.0.0.1/v1',
    'http://[::1]/v1',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/v1',
    'http://10.1.2.3/v1',
    'http://0.0.0.0/v1',
    'http://localhost/v1',
    `http://user:secret@127.0.0.1:${closedPort}/v1`,
    `http://127.0.0.1:${closedPort}/v1?x=1`,
    'file:///etc/passwd',
    'not a url',
  ];
}

function providerPatchSamples(): Record<string, unknown>[] {
  return [
    { base_url: providerBaseUrl(), api_key: 'sk-fuzz-rotated-0123456789abcdef', models: [providerModelSample()] },
    { api_key: null },
    { models: [] },
  ];
}

function isDefined(entry: [string, unknown]): boolean {
  return entry[1] !== undefined;
}

/** `/v1/x`, its OpenRouter alias `/api/v1/x`, with a trailing slash or a query string. */
function spellings(path: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('', '/api'), fc.constantFrom('', '/', '?x=1', '?stream=true&model=x'))
    .map(([prefix, suffix]) => `${prefix}${path}${suffix}`);
}

function idPath(ids: readonly string[], template: (id: string) => string): fc.Arbitrary<string> {
  const id = ids.length === 0 ? pathSegmentArbitrary() : fc.oneof(fc.constantFrom(...ids), pathSegmentArbitrary());
  return fc.tuple(fc.constantFrom('', '/api'), id).map(([prefix, segment]) => `${prefix}${template(segment)}`);
}

const jsonRoutes: readonly JsonRoute[] = [
  {
    name: 'POST /v1/chat/completions',
    method: 'POST',
    dialect: 'openai',
    caller: 'member',
    path: () => spellings('/v1/chat/completions'),
    examplePath: () => '/v1/chat/completions',
    samples: () => chatSamples,
    knownBodies: [
      {
        note: 'max_tokens accepted (≤ 1 000 000) but past the context window',
        body: { ...chatSamples[2], max_tokens: 1_000_000 },
      },
    ],
  },
  {
    name: 'POST /v1/messages',
    method: 'POST',
    dialect: 'anthropic',
    caller: 'member',
    path: () => spellings('/v1/messages'),
    examplePath: () => '/v1/messages',
    samples: () => messagesSamples,
    knownBodies: [
      { note: 'non-Latin-1 name of a dropped field (a warning header)', body: { ...messagesSamples[2], 中文: 1 } },
      {
        note: 'non-Latin-1 type of a dropped content part (a warning header)',
        body: { ...messagesSamples[2], messages: [{ role: 'user', content: [{ type: '🧪', text: 'x' }] }] },
      },
    ],
  },
  {
    name: 'POST /v1/messages/count_tokens',
    method: 'POST',
    dialect: 'anthropic',
    caller: 'member',
    path: () => spellings('/v1/messages/count_tokens'),
    examplePath: () => '/v1/messages/count_tokens',
    samples: () => countTokensSamples,
  },
  {
    name: 'POST /v1/embeddings',
    method: 'POST',
    dialect: 'openai',
    caller: 'member',
    path: () => spellings('/v1/embeddings'),
    examplePath: () => '/v1/embeddings',
    samples: () => [
      { model: 'test/fake-embed', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 3, user: 'fuzz' },
      { model: 'test/fake-embed', input: 'one text', encoding_format: 'base64' },
    ],
  },
  {
    name: 'POST /api/v1/keys',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: () => spellings('/v1/keys'),
    examplePath: () => '/api/v1/keys',
    samples: () => [
      {
        name: 'fuzz key',
        org_id: 'fuzz',
        limit: '2.50',
        limit_reset: 'daily',
        expires_at: '2030-01-01T00:00:00Z',
        allowed_models: ['meridian/sandbox-chat'],
        requests_per_minute: 60,
        tokens_per_minute: 100_000,
        concurrency: 4,
      },
      { name: 'minimal' },
    ],
    knownBodies: [
      {
        note: 'a limit accepted (≤ 12 integer digits) but past a signed 64-bit count of nano-USD',
        body: { name: 'huge limit', limit: '999999999999' },
      },
    ],
  },
  {
    name: 'PATCH /api/v1/keys/{id}',
    method: 'PATCH',
    dialect: 'openai',
    caller: 'admin',
    path: (fixtures) => idPath([fixtures.patchKeyId], (id) => `/v1/keys/${id}`),
    examplePath: (fixtures) => `/api/v1/keys/${fixtures.patchKeyId}`,
    samples: () => [
      {
        name: 'renamed',
        disabled: false,
        limit: '1.00',
        limit_reset: 'weekly',
        expires_at: null,
        allowed_models: null,
        requests_per_minute: null,
        tokens_per_minute: 5_000,
        concurrency: null,
      },
      { disabled: true },
    ],
    knownBodies: [
      {
        note: 'a limit accepted (≤ 12 integer digits) but past a signed 64-bit count of nano-USD',
        body: { limit: '9999999999' },
      },
    ],
  },
  {
    name: 'DELETE /api/v1/keys/{id}',
    method: 'DELETE',
    dialect: 'openai',
    caller: 'admin',
    path: (fixtures) => idPath(fixtures.deleteKeyIds, (id) => `/v1/keys/${id}`),
    examplePath: (fixtures) => `/api/v1/keys/${fixtures.deleteKeyIds[0]!}`,
    samples: () => [{}],
  },
  {
    name: 'POST /api/v1/keys/{id}/rotate',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: (fixtures) => idPath(fixtures.rotateKeyIds, (id) => `/v1/keys/${id}/rotate`),
    examplePath: (fixtures) => `/api/v1/keys/${fixtures.rotateKeyIds[0]!}/rotate`,
    samples: () => [{}],
  },
  {
    name: 'POST /api/v1/orgs',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: () => spellings('/v1/orgs'),
    examplePath: () => '/api/v1/orgs',
    samples: () => [{ id: 'fuzz-org', name: 'Fuzz Org', markup_basis_points: 250 }, { id: 'fuzz-org-2' }],
  },
  {
    name: 'POST /api/v1/orgs/{id}/credits',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: () => idPath(['fuzz-grants', 'default'], (id) => `/v1/orgs/${id}/credits`),
    examplePath: () => '/api/v1/orgs/fuzz-grants/credits',
    samples: () => [{ amount: '1.25', grant_id: 'payment-1' }, { amount: 2 }],
    knownBodies: [
      {
        note: 'an amount accepted (≤ 12 integer digits) but past the ledger’s bound',
        body: { amount: '999999999999.999999999' },
      },
      ...[
        ['fuzz-grants', '1.25'],
        ['default', '1.25'],
        ['fuzz-grants', '3.00'],
      ].map(([org, amount]) => ({
        note: 'one grant_id reused for another org or amount: a 4xx conflict, not an assertion',
        path: () => `/api/v1/orgs/${org}/credits`,
        body: { amount, grant_id: 'payment-1' },
      })),
      ...Array.from({ length: 10 }, () => ({
        note: 'grants each within bounds whose sum overflows the org balance',
        path: () => '/api/v1/orgs/fuzz-overflow/credits',
        body: { amount: '999999999' },
      })),
    ],
  },
  {
    name: 'POST /api/v1/credit-codes',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: () => spellings('/v1/credit-codes'),
    examplePath: () => '/api/v1/credit-codes',
    samples: () => [{ amount: '0.50', count: 2 }, { amount: 1 }],
    knownBodies: [
      {
        note: 'an amount accepted (≤ 12 integer digits) but past a signed 64-bit count of nano-USD',
        body: { amount: '999999999999' },
      },
    ],
  },
  {
    name: 'POST /api/v1/credits/redeem',
    method: 'POST',
    dialect: 'openai',
    caller: 'member',
    path: () => spellings('/v1/credits/redeem'),
    examplePath: () => '/api/v1/credits/redeem',
    samples: (fixtures) => [{ code: fixtures.creditCode }],
  },
  {
    name: 'POST /api/v1/providers',
    method: 'POST',
    dialect: 'openai',
    caller: 'admin',
    path: () => spellings('/v1/providers'),
    examplePath: () => '/api/v1/providers',
    samples: providerCreateSamples,
    knownBodies: [
      ...ssrfBaseUrls().map((baseUrl, index) => ({
        note: 'a base URL the guard refuses (loopback, private, metadata, in any spelling) or that is malformed',
        body: { id: `fuzz-ssrf-${index}`, protocol: 'openai', base_url: baseUrl },
      })),
      {
        note: 'one model id declared twice',
        body: {
          ...providerCreateSamples()[0],
          id: 'fuzz-twice',
          models: [providerModelSample(), providerModelSample()],
        },
      },
    ],
  },
  {
    name: 'PATCH /api/v1/providers/{id}',
    method: 'PATCH',
    dialect: 'openai',
    caller: 'admin',
    path: (fixtures) => idPath([fixtures.patchProviderId], (id) => `/v1/providers/${id}`),
    examplePath: (fixtures) => `/api/v1/providers/${fixtures.patchProviderId}`,
    samples: providerPatchSamples,
    knownBodies: [
      { note: 'nothing to change', body: {} },
      { note: 'an id in the body (not a patchable field)', body: { id: 'renamed' } },
    ],
  },
  {
    name: 'DELETE /api/v1/providers/{id}',
    method: 'DELETE',
    dialect: 'openai',
    caller: 'admin',
    path: (fixtures) => idPath(fixtures.deleteProviderIds, (id) => `/v1/providers/${id}`),
    examplePath: (fixtures) => `/api/v1/providers/${fixtures.deleteProviderIds[0]!}`,
    samples: () => [{}],
  },
  {
    name: 'POST /v1/dashboard/login',
    method: 'POST',
    dialect: 'openai',
    caller: 'anonymous',
    path: () => spellings('/v1/dashboard/login'),
    examplePath: () => '/v1/dashboard/login',
    samples: () => [
      { key: memberKey },
      { key: testAdminKey },
      { key: 'sk-mer-v1-000000000000000000000000000000000000000' },
    ],
    localAddress: loginAddressArbitrary(),
    knownBodies: [
      { note: 'a key of the wrong type', body: { key: 12345 } },
      { note: 'a key longer than any real one', body: { key: 'k'.repeat(3_000) } },
    ],
  },
];

// ---------------------------------------------------------------- the gateway under test

let fake: FakeUpstream;
let gateway: GatewayProcess;
let fixtures: Fixtures;
const findings = new Map<string, Finding>();
const casesRun = new Map<string, number>();

/** The fake upstream answers whatever reaches it (embeddings, or a chat call routed there) with a valid answer. */
const upstreamAnswer: Scenario = {
  kind: 'dynamic',
  answer: (received: ReceivedRequest): Scenario => {
    if (received.path.endsWith('/embeddings')) {
      const input = received.body['input'];
      const count = Array.isArray(input) ? input.length : 1;
      const data = Array.from({ length: count }, (_, index) => ({
        object: 'embedding',
        index,
        embedding: [0.5, -0.25, 0.125],
      }));
      return { kind: 'json', body: { object: 'list', model: 'fake-embed-model', data, usage: { prompt_tokens: 3 } } };
    }
    const script = { text: ['fuzz'], usage: { input: 5, cached: 0, output: 1, reasoning: 0 } };
    return received.body['stream'] === true ? streamScript('openai', script) : completeScript('openai', script);
  },
};

function createFuzzConfig(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: true, latency_scale: 0 }
security:
  outbound_allow: ["127.0.0.1:${closedPort}"]
providers:
  - id: fake-embeddings
    protocol: openai
    base_url: ${fakeBaseUrl}
    api_key: fuzz-upstream-secret
models:
  - id: test/fake-embed
    name: Fake Embed
    author: test
    origin: US
    context_length: 8192
    output_modalities: [embeddings]
    endpoints:
      - provider: fake-embeddings
        model: fake-embed-model
        pricing: { prompt: "0.02", completion: "0" }
orgs:
  - { id: default, credits: "1000.00" }
  - { id: fuzz, credits: "1000.00" }
  - { id: fuzz-grants, credits: "1.00" }
  - { id: fuzz-overflow, credits: "1.00" }
keys:
  - { org: fuzz, name: fuzz-member, key: "${memberKey}" }
`;
}

async function callApi(key: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`fixture ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function createKeyId(name: string): Promise<string> {
  const created = await callApi(testAdminKey, 'POST', '/api/v1/keys', { name, org_id: 'fuzz' });
  return (created['data'] as { id: string }).id;
}

async function createProviderId(id: string): Promise<string> {
  const body = { id, protocol: 'openai', base_url: providerBaseUrl(), api_key: `sk-${id}-0123456789abcdef` };
  return ((await callApi(testAdminKey, 'POST', '/api/v1/providers', body))['data'] as { id: string }).id;
}

/** Signs in with a key (from 127.0.0.1, which the fuzz cases never use) → the session cookie and its CSRF token. */
async function signIn(key: string): Promise<FuzzSession> {
  const response = await fetch(`${gateway.url}/v1/dashboard/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  const json = (await response.json()) as { data: { csrf_token: string } };
  const cookie = /^meridian_session=([^;]+);/.exec(response.headers.get('set-cookie') ?? '');
  if (response.status !== 200 || cookie === null) throw new Error(`fixture sign-in: ${response.status}`);
  return { id: cookie[1]!, csrfToken: json.data.csrf_token };
}

async function createFixtures(): Promise<Fixtures> {
  const codes = (await callApi(testAdminKey, 'POST', '/api/v1/credit-codes', { amount: '0.10' }))['codes'];
  const completion = await callApi(memberKey, 'POST', '/v1/chat/completions', chatSamples[2]);
  return {
    patchKeyId: await createKeyId('patch-target'),
    rotateKeyIds: [await createKeyId('rotate-1'), await createKeyId('rotate-2'), await createKeyId('rotate-3')],
    deleteKeyIds: [await createKeyId('delete-1'), await createKeyId('delete-2'), await createKeyId('delete-3')],
    creditCode: (codes as string[])[0]!,
    generationId: completion['id'] as string,
    patchProviderId: await createProviderId('fuzz-patch-target'),
    deleteProviderIds: [
      await createProviderId('fuzz-delete-1'),
      await createProviderId('fuzz-delete-2'),
      await createProviderId('fuzz-delete-3'),
    ],
    sessions: [
      await signIn(memberKey),
      await signIn(memberKey),
      await signIn(testAdminKey),
      await signIn(testAdminKey),
    ],
  };
}

async function startMainGateway(): Promise<void> {
  gateway = await startGatewayProcess({
    configYaml: createFuzzConfig(fake.baseUrl),
    env: { MERIDIAN_MASTER_KEYS: masterKeys },
  });
  fixtures = await createFixtures();
}

/** A loopback port that was free a moment ago: nothing listens there, so a connection to it is refused. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** After a crash or a hang: the old process is killed (it is ours) and a fresh one takes its place. */
async function replaceMainGateway(): Promise<void> {
  if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
  await gateway.stop();
  gateway.cleanup();
  await startMainGateway();
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  closedPort = await findClosedPort();
  await startMainGateway();
});

afterAll(async () => {
  await gateway?.stop();
  gateway?.cleanup();
  await fake?.close();
});

// ---------------------------------------------------------------- sending one case

/** One request over a fresh connection (no keep-alive races), with the whole answer bounded in time. */
function send(baseUrl: string, exchange: Exchange): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...exchange.headers };
    const body = exchange.body;
    if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
    if (body?.bytes !== undefined && body.framing === 'length') headers['content-length'] = String(body.bytes.length);
    if (body?.bytes !== undefined && body.framing === 'chunked') headers['transfer-encoding'] = 'chunked';
    const { hostname, port } = new URL(baseUrl);
    // The path goes out byte for byte (a URL object would resolve `..` and `%2e%2e` first).
    const request = sendHttpRequest({
      host: hostname,
      port,
      path: exchange.path,
      method: exchange.method,
      headers,
      agent: false,
      ...(exchange.localAddress === undefined ? {} : { localAddress: exchange.localAddress }),
    });
    const timer = setTimeout(() => {
      resolve({ kind: 'timeout' });
      request.destroy();
    }, answerTimeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'connection-error', message: error.message });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => {
        clearTimeout(timer);
        resolve({ kind: 'connection-error', message: error.message });
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          kind: 'answer',
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        });
      });
    });
    if (body?.bytes !== undefined && body.framing === 'chunked') {
      const middle = Math.floor(body.bytes.length / 2);
      request.write(body.bytes.subarray(0, middle));
      request.end(body.bytes.subarray(middle));
    } else {
      request.end(body?.bytes);
    }
  });
}

/** The process is running and answers GET /healthz with 200 in time. */
async function isAlive(target: GatewayProcess): Promise<boolean> {
  if (target.child.exitCode !== null || target.child.signalCode !== null) return false;
  const outcome = await send(target.url, { method: 'GET', path: '/healthz', headers: {}, body: undefined });
  return outcome.kind === 'answer' && outcome.status === 200;
}

// ---------------------------------------------------------------- judging one answer

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isCode(code: unknown): code is keyof typeof errorCodes {
  return typeof code === 'string' && Object.hasOwn(errorCodes, code);
}

/** What is wrong with an error body in this dialect (undefined: nothing). */
function inspectErrorBody(dialect: Dialect, status: number, json: unknown, headers: IncomingHttpHeaders) {
  const root = asRecord(json);
  const error = asRecord(root?.['error']);
  if (root === undefined || error === undefined) return `${dialect} error shape: no error object`;
  const code = error['code'];
  if (!isCode(code)) return `${dialect} error shape: code ${JSON.stringify(code)} is not in the code table`;
  const entry = errorCodes[code];
  if (typeof error['message'] !== 'string' || error['message'] === '') return `${dialect} error shape: empty message`;
  if (status !== entry.status) return `status ${status} for code ${code} (table: ${entry.status})`;
  if (dialect === 'openai') {
    if (error['type'] !== entry.openaiType) return `openai error shape: type ${String(error['type'])} for ${code}`;
    if (error['param'] !== null && typeof error['param'] !== 'string') return `openai error shape: param not string`;
    if (error['request_id'] !== headers['x-request-id']) return 'openai error shape: request_id ≠ x-request-id';
    return undefined;
  }
  if (root['type'] !== 'error') return `anthropic error shape: type ${String(root['type'])}`;
  if (error['type'] !== entry.anthropicType) return `anthropic error shape: type ${String(error['type'])} for ${code}`;
  if (root['request_id'] !== headers['request-id']) return 'anthropic error shape: request_id ≠ request-id';
  return undefined;
}

/** SSE blocks as `{event, data}` (comments dropped), or a problem. */
function readSseBlocks(text: string): { event: string | undefined; data: string }[] | string {
  if (!text.endsWith('\n\n')) return 'stream: does not end with a blank line';
  const blocks = [];
  for (const block of text.split('\n\n').filter((item) => item !== '')) {
    const lines = block.split('\n').filter((line) => !line.startsWith(':'));
    if (lines.length === 0) continue;
    const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
    const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
    if (data.length !== 1) return `stream: a frame with ${data.length} data lines`;
    blocks.push({ event, data: data[0]! });
  }
  return blocks;
}

function inspectOpenAiStream(text: string): string | undefined {
  const blocks = readSseBlocks(text);
  if (typeof blocks === 'string') return blocks;
  if (blocks.at(-1)?.data !== '[DONE]') return 'openai stream: does not end with data: [DONE]';
  for (const block of blocks.slice(0, -1)) {
    const chunk = asRecord(parseJson(Buffer.from(block.data)));
    if (chunk?.['object'] !== 'chat.completion.chunk') return 'openai stream: a frame is not a chat.completion.chunk';
    const error = chunk['error'];
    if (error !== undefined && !isCode(asRecord(error)?.['code'])) return 'openai stream: in-band error without a code';
  }
  return undefined;
}

function inspectAnthropicStream(text: string): string | undefined {
  const blocks = readSseBlocks(text);
  if (typeof blocks === 'string') return blocks;
  if (blocks[0]?.event !== 'message_start') return 'anthropic stream: does not start with message_start';
  const last = blocks.at(-1)?.event;
  if (last !== 'message_stop' && last !== 'error') return `anthropic stream: ends with ${String(last)}`;
  for (const block of blocks) {
    const data = asRecord(parseJson(Buffer.from(block.data)));
    if (data?.['type'] !== block.event) return 'anthropic stream: a frame whose data type differs from its event';
    if (block.event === 'error' && !isCode(asRecord(data?.['error'])?.['code'])) {
      return 'anthropic stream: error event without a code';
    }
  }
  return undefined;
}

/** The problem with an outcome (undefined: none), in words stable enough to group cases by. */
function inspectOutcome(dialect: Dialect, outcome: Outcome): string | undefined {
  if (outcome.kind === 'timeout') return `no complete answer within ${answerTimeoutMs} ms`;
  if (outcome.kind === 'connection-error') return `connection error (${outcome.message})`;
  const { status, headers, body } = outcome;
  const json = parseJson(body);
  if (status >= 500) {
    const code = asRecord(asRecord(json)?.['error'])?.['code'];
    return `HTTP ${status} ${typeof code === 'string' ? code : 'no code'}`;
  }
  if (status < 200 || (status >= 300 && status < 400)) return `HTTP ${status}`;
  if (status === 204) return body.length === 0 ? undefined : 'HTTP 204 with a body';
  if (String(headers['content-type']).startsWith('text/event-stream')) {
    if (status !== 200) return `stream with HTTP ${status}`;
    const text = body.toString('utf8');
    return dialect === 'openai' ? inspectOpenAiStream(text) : inspectAnthropicStream(text);
  }
  if (json === undefined) return `HTTP ${status} body is not JSON`;
  return status >= 400 ? inspectErrorBody(dialect, status, json, headers) : undefined;
}

// ---------------------------------------------------------------- running a property and reporting

function record(route: string, problem: string, exchange: Exchange, outcome: Outcome): void {
  const key = `${route} | ${problem} | ${exchange.note ?? 'random'}`;
  const existing = findings.get(key);
  const size = exchange.body?.bytes?.length ?? 0;
  if (existing !== undefined) {
    existing.count += 1;
    if (size >= (existing.exchange.body?.bytes?.length ?? 0)) return;
  }
  const answer =
    outcome.kind === 'answer' ? `${outcome.status} ${readable(outcome.body.toString('utf8'), 400)}` : outcome.kind;
  findings.set(key, { route, problem, exchange, answer, count: existing?.count ?? 1 });
}

/**
 * Sends one case, judges it, and checks the process still answers /healthz; a dead or stuck gateway is
 * recorded and replaced, so one finding does not hide the others.
 */
async function runCase(route: string, dialect: Dialect, exchange: Exchange): Promise<void> {
  casesRun.set(route, (casesRun.get(route) ?? 0) + 1);
  fake.reset();
  for (let index = 0; index < 4; index += 1) fake.enqueue(upstreamAnswer);
  const outcome = await send(gateway.url, exchange);
  const problem = inspectOutcome(dialect, outcome);
  if (problem !== undefined) record(route, problem, exchange, outcome);
  if (await isAlive(gateway)) return;
  // A process that just crashed may not have reported its exit yet.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const hasExited = gateway.child.exitCode !== null || gateway.child.signalCode !== null;
  record(route, hasExited ? 'the gateway process exited' : 'the gateway stopped answering /healthz', exchange, outcome);
  await replaceMainGateway();
}

/** Text for a report line: control characters escaped, long text cut. */
function readable(text: string, lengthMax: number): string {
  let escaped = '';
  for (const character of text.slice(0, lengthMax)) {
    const code = character.charCodeAt(0);
    const isControl = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    escaped += isControl ? `\\u${code.toString(16).padStart(4, '0')}` : character;
  }
  return text.length > lengthMax ? `${escaped}…` : escaped;
}

function describeExchange(exchange: Exchange): string {
  const headers = Object.entries(exchange.headers).map(([name, value]) => `${name}: ${redact(value)}`);
  const body = exchange.body;
  if (body?.contentType !== undefined) headers.push(`content-type: ${body.contentType}`);
  const bytes = body?.bytes;
  const text =
    bytes === undefined ? '(none)' : `(${bytes.length} bytes, ${body!.origin}) ${preview(bytes.toString('utf8'))}`;
  return `${exchange.method} ${exchange.path}\n    headers: ${headers.join('; ') || '(none)'}\n    body: ${text}`;
}

/** Short bodies whole; long ones by their head and tail (mutations land anywhere). */
function preview(text: string): string {
  if (text.length <= 2_000) return readable(text, 2_000);
  return `${readable(text.slice(0, 900), 900)} … ${readable(text.slice(-600), 600)}`;
}

function redact(value: string): string {
  return value.replace(memberKey, '<member key>').replace(testAdminKey, '<admin key>');
}

/** Fails with every finding of this route, one paragraph each (seed first, to replay the run). */
function expectNoFindings(route: string): void {
  const report = [...findings.values()]
    .filter((finding) => finding.route === route)
    .map(
      (finding) =>
        `${finding.route} → ${finding.problem} (${finding.count} of ${casesRun.get(route) ?? 0} cases)\n` +
        (finding.exchange.note === undefined ? '' : `  known case: ${finding.exchange.note}\n`) +
        `  smallest: ${describeExchange(finding.exchange)}\n  answer: ${finding.answer}`,
    );
  if (report.length > 0) expect.fail(`seed ${seed}: ${report.length} finding(s)\n\n${report.join('\n\n')}`);
}

/** The headers a route's intended caller sends: its key as Bearer; none on an anonymous route (sign-in). */
function authHeadersOf(caller: Caller): Record<string, string> {
  if (caller === 'anonymous') return {};
  return { authorization: `Bearer ${caller === 'admin' ? testAdminKey : memberKey}` };
}

/**
 * Mostly the intended caller's headers; sometimes none, a wrong key, a malformed header, a member key on an admin
 * route, or a dashboard session cookie (member's or admin's) with or without its CSRF token instead of a key.
 */
function authorizationArbitrary(caller: Caller): fc.Arbitrary<Record<string, string>> {
  const key = caller === 'admin' ? testAdminKey : memberKey;
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(authHeadersOf(caller)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        { authorization: 'Bearer' },
        { authorization: 'Bearer sk-mer-v1-000000000000000000000000000000000000000' },
        { authorization: `Basic ${Buffer.from(`x:${key}`).toString('base64')}` },
        { authorization: `bearer   ${key}   ` },
        { authorization: `Bearer ${key} extra` },
        { authorization: `Bearer ${memberKey}` },
        { 'x-api-key': key },
        { 'x-api-key': '' },
      ),
    },
    { weight: 2, arbitrary: sessionHeadersArbitrary(fixtures.sessions) },
  );
}

const headerText = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

/** Optional headers the gateway reads: idempotency, attribution, Anthropic version, accept, encodings. */
function extraHeadersArbitrary(): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      'idempotency-key': fc.oneof(fc.constantFrom('fuzz-1', 'fuzz-2', '', ' '), headerText),
      'x-title': headerText,
      'http-referer': fc.oneof(fc.constant('https://example.com/app'), headerText),
      'anthropic-version': fc.constantFrom('2023-06-01', 'x', ''),
      accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'image/png'),
      'content-encoding': fc.constantFrom('gzip', 'br', 'identity'),
    },
    { requiredKeys: [] },
  );
}

function exchangeArbitrary(route: JsonRoute, body: fc.Arbitrary<BodyCase>): fc.Arbitrary<Exchange> {
  const localAddress = route.localAddress ?? fc.constant(undefined);
  return fc
    .tuple(route.path(fixtures), authorizationArbitrary(route.caller), extraHeadersArbitrary(), body, localAddress)
    .map(([path, auth, extra, bodyCase, address]) => ({
      method: route.method,
      path,
      headers: { ...extra, ...auth },
      body: bodyCase,
      ...(address === undefined ? {} : { localAddress: address }),
    }));
}

/** A route's known failing bodies as exchanges with the right key (fast-check `examples`). */
function knownExchanges(route: JsonRoute, transform: (body: Record<string, unknown>) => unknown = (body) => body) {
  return (route.knownBodies ?? []).map(({ note, path, body }): [Exchange] => [
    {
      note,
      method: route.method,
      path: (path ?? route.examplePath)(fixtures),
      headers: authHeadersOf(route.caller),
      body: {
        origin: 'known case',
        bytes: Buffer.from(serializeJson(transform(body))),
        contentType: 'application/json',
        framing: 'length',
      },
    },
  ]);
}

async function fuzz(input: {
  readonly route: string;
  readonly dialect: (exchange: Exchange) => Dialect;
  readonly cases: fc.Arbitrary<Exchange>;
  readonly examples: [Exchange][];
  readonly numRuns: number;
}): Promise<void> {
  await fc.assert(
    fc.asyncProperty(input.cases, async (exchange) => {
      await runCase(input.route, input.dialect(exchange), exchange);
    }),
    { numRuns: input.numRuns, seed, examples: input.examples },
  );
  expect(casesRun.get(input.route)).toBe(input.numRuns);
  expectNoFindings(input.route);
}

// ---------------------------------------------------------------- the tests

describe('fuzzing every JSON route (no 5xx, no hang, no crash, errors in the route’s dialect)', () => {
  it.each(jsonRoutes.map((route) => [route.name, route] as const))(
    '%s',
    async (name, route) => {
      await fuzz({
        route: name,
        dialect: () => route.dialect,
        cases: exchangeArbitrary(route, bodyCaseArbitrary(route.samples(fixtures))),
        examples: knownExchanges(route),
        numRuns: route.caller === 'member' && !name.includes('redeem') ? runsPerModelRoute : runsPerManagementRoute,
      });
    },
    fuzzTestTimeoutMs,
  );

  it(
    'read routes and unknown paths: random methods, path segments and query strings',
    async () => {
      const segment = pathSegmentArbitrary();
      const path = fc.oneof(
        fc.constantFrom('/healthz', '/readyz', '/v1/models', '/v1/key', '/v1/credits', '/v1/orgs', '/v1/keys'),
        fc.constant(`/v1/generation?id=${fixtures.generationId}`),
        fc.constant('/v1/models/meridian/sandbox-chat/endpoints'),
        fc.tuple(segment, segment).map(([author, slug]) => `/v1/models/${author}/${slug}/endpoints`),
        queryStringArbitrary().map((query) => `/v1/generation${query}`),
        segment.map((item) => `/v1/${item}`),
        fc.tuple(segment, segment).map(([first, second]) => `/v1/${first}/${second}`),
        segment.map((item) => `/v1/keys/${item}`),
        segment.map((item) => `/v1/messages/${item}`),
        generationsQueryArbitrary(['fuzz', 'default', 'fuzz-grants']).map((query) => `/v1/generations${query}`),
        fc.constantFrom('/v1/providers', `/v1/providers/${fixtures.patchProviderId}`, '/v1/dashboard/session'),
        segment.map((item) => `/v1/providers/${item}`),
      );
      const cases = fc
        .tuple(
          fc.constantFrom('', '/api'),
          path,
          queryStringArbitrary(),
          fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH')),
          fc.oneof(fc.constant({ authorization: `Bearer ${testAdminKey}` }), authorizationArbitrary('member')),
          fc.boolean(),
        )
        .map(([prefix, route, query, method, auth, isAnthropicClient]) => ({
          method,
          path: `${route.startsWith('/v1/') ? prefix : ''}${route}${route.includes('?') ? query.replace('?', '&') : query}`,
          headers: { ...auth, ...(isAnthropicClient ? { 'anthropic-version': '2023-06-01' } : {}) },
          body: undefined,
        }));
      await fuzz({
        route: 'GET routes and unknown paths',
        dialect: expectedDialect,
        cases,
        examples: [],
        numRuns: runsForReadRoutes,
      });
    },
    fuzzTestTimeoutMs,
  );

  it(
    'dashboard session and sign-out: random cookies, CSRF tokens, methods and bodies',
    async () => {
      // Mostly the routes' own methods; sometimes another method or the sign-in path.
      const routes = fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('GET /v1/dashboard/session', 'POST /v1/dashboard/logout') },
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
              fc.constantFrom('/v1/dashboard/session', '/v1/dashboard/logout', '/v1/dashboard/login'),
            )
            .map(([method, path]) => `${method} ${path}`),
        },
      );
      const paths = fc.tuple(routes, fc.constantFrom('', '/api'), fc.constantFrom('', '/', '?x=1'));
      // A successful sign-out ends its session: enough of them that most of the run still has live ones.
      const sessions: FuzzSession[] = [...fixtures.sessions];
      for (let index = 0; index < 16; index += 1)
        sessions.push(await signIn(index % 2 === 0 ? memberKey : testAdminKey));
      const body = fc.option(bodyCaseArbitrary([{}, { key: memberKey }]), { nil: undefined });
      const cases = fc
        .tuple(
          paths,
          sessionHeadersArbitrary(sessions),
          // Mostly the cookie alone; sometimes a key header too (which then decides who calls).
          fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, authorizationArbitrary('member')),
          body,
          loginAddressArbitrary(),
        )
        .map(([[route, prefix, suffix], session, auth, bodyCase, localAddress]) => ({
          method: route.split(' ', 1)[0]!,
          path: `${prefix}${route.slice(route.indexOf(' ') + 1)}${suffix}`,
          headers: { ...session, ...auth },
          body: bodyCase,
          localAddress,
        }));
      await fuzz({
        route: 'dashboard session and sign-out',
        dialect: () => 'openai',
        cases,
        examples: [],
        numRuns: runsForSessionRoutes,
      });
    },
    fuzzTestTimeoutMs,
  );

  // The provider routes changed this gateway's catalog (API-created providers may declare the sandbox's models):
  // the suites below get a fresh gateway, so every model a case names is still served as they expect.
  afterAll(async () => {
    await gateway.stop();
    gateway.cleanup();
    await startMainGateway();
  }, fuzzTestTimeoutMs);
});

/** Anthropic routes (and GET /v1/models from an Anthropic client) answer in Anthropic's shape; the rest in OpenAI's. */
function expectedDialect(exchange: Exchange): Dialect {
  const pathOnly = exchange.path
    .split('?', 1)[0]!
    .replace(/\/$/, '')
    .replace(/^\/api\/v1\//, '/v1/');
  if (pathOnly.startsWith('/v1/messages')) return 'anthropic';
  return pathOnly === '/v1/models' && exchange.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

function forceStream(value: unknown): unknown {
  const fields = asRecord(value);
  return fields === undefined ? value : { ...fields, stream: true };
}

describe('streaming with mutated bodies: an error JSON before the stream, or a well-formed stream to its end', () => {
  const streamRoutes = jsonRoutes.filter(
    (route) => route.name.endsWith('/completions') || route.name.endsWith('/messages'),
  );

  it.each(streamRoutes.map((route) => [route.name, route] as const))(
    '%s (stream: true)',
    async (name, route) => {
      const body = mutatedJsonArbitrary(route.samples(fixtures)).map((value): BodyCase => ({
        origin: 'mutated, stream forced',
        bytes: Buffer.from(serializeJson(forceStream(value))),
        contentType: 'application/json',
        framing: 'length',
      }));
      const cases = exchangeArbitrary(route, body).map((exchange) => ({
        ...exchange,
        headers: { ...exchange.headers, authorization: `Bearer ${memberKey}` },
      }));
      await fuzz({
        route: `${name} (stream)`,
        dialect: () => route.dialect,
        cases,
        examples: knownExchanges(route, forceStream),
        numRuns: runsPerStreamRoute,
      });
    },
    fuzzTestTimeoutMs,
  );
});

describe('pathological nesting (1 000 and 100 000 levels, up to 200 KB, inside a valid body) answers without a 5xx', () => {
  it.each(jsonRoutes.map((route) => [route.name, route] as const))(
    '%s',
    async (name, route) => {
      const label = `${name} (nesting)`;
      const path = route.examplePath(fixtures);
      for (const depth of [1_000, 100_000]) {
        const bytes = deeplyNestedBody(route.samples(fixtures)[0]!, depth);
        await runCase(label, route.dialect, {
          method: route.method,
          path,
          headers: authHeadersOf(route.caller),
          body: { origin: `nested ${depth} deep`, bytes, contentType: 'application/json', framing: 'length' },
        });
      }
      expectNoFindings(label);
    },
    fuzzTestTimeoutMs,
  );
});

/**
 * One unbroken run of letters (no whitespace) is a byte-pair tokenizer's worst case: every merge rescans
 * the run, so the time grows with the square of its length (measured on an idle 2-core machine: 50 000
 * letters 1.2 s, 100 000 letters 4 s). 250 000 letters is a 250 KB body, 1/64 of the body limit, and
 * should take milliseconds; each case gets a gateway of its own, killed afterwards, so a stuck one
 * neither delays the others nor burns CPU past the bound.
 */
describe('a 250 KB prompt of one unbroken run of letters is answered in time', () => {
  const run = 'a'.repeat(250_000);
  const cases: { readonly route: string; readonly dialect: Dialect; readonly path: string; readonly body: unknown }[] =
    [
      {
        route: 'POST /v1/messages/count_tokens',
        dialect: 'anthropic',
        path: '/v1/messages/count_tokens',
        body: { model: 'meridian/sandbox-chat', messages: [{ role: 'user', content: run }] },
      },
      {
        route: 'POST /v1/chat/completions',
        dialect: 'openai',
        path: '/v1/chat/completions',
        body: { model: 'meridian/sandbox-chat', max_tokens: 8, messages: [{ role: 'user', content: run }] },
      },
      {
        route: 'POST /v1/embeddings',
        dialect: 'openai',
        path: '/v1/embeddings',
        body: { model: 'test/fake-embed', input: [run] },
      },
    ];
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    gateways.push(
      ...(await Promise.all(cases.map(() => startGatewayProcess({ configYaml: createFuzzConfig(fake.baseUrl) })))),
    );
  });

  afterAll(async () => {
    for (const stuck of gateways) {
      stuck.child.kill('SIGKILL');
      await stuck.stop();
      stuck.cleanup();
    }
  });

  it(
    'count_tokens, chat completions and embeddings answer within the bound',
    async () => {
      const label = 'one unbroken run of 250 000 letters';
      fake.reset();
      for (let index = 0; index < cases.length; index += 1) fake.enqueue(upstreamAnswer);
      casesRun.set(label, cases.length);
      await Promise.all(
        cases.map(async (item, index) => {
          const exchange: Exchange = {
            method: 'POST',
            path: item.path,
            headers: { authorization: `Bearer ${memberKey}` },
            body: {
              origin: 'letters',
              bytes: Buffer.from(JSON.stringify(item.body)),
              contentType: 'application/json',
              framing: 'length',
            },
          };
          const outcome = await send(gateways[index]!.url, exchange);
          const problem = inspectOutcome(item.dialect, outcome);
          if (problem !== undefined) record(label, `${item.route}: ${problem}`, exchange, outcome);
        }),
      );
      expectNoFindings(label);
    },
    fuzzTestTimeoutMs,
  );
});
