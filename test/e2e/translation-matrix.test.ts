import Anthropic from '@anthropic-ai/sdk';
import AnthropicV0 from 'anthropic-sdk-0';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import type { ModelScript, UpstreamProtocol } from '../fake-upstream/protocol-scripts.js';
import { expectAnthropicEventShape, expectAnthropicMessageShape } from '../support/anthropic-shapes.js';
import { validateSchema } from '../support/openapi.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * Every inbound protocol × every upstream protocol × {text, tools with streamed
 * arguments, reasoning, image input, JSON-schema output}: the official client sees
 * exactly the generation the upstream produced, usage equals the upstream's report,
 * and cost is exact. Streams are read through each SDK's own stream accumulator.
 */

let stack: TestStack;
/** Anthropic SDK 1.x (Bearer auth, new API version) and 0.x (x-api-key, 2023-06-01) share one call surface. */
const anthropicSdks = new Map<string, Anthropic>();

beforeAll(async () => {
  stack = await startTestStack('translation-matrix');
  const options = { baseURL: stack.gateway.url, apiKey: stack.key, maxRetries: 0 };
  anthropicSdks.set('anthropic-sdk-1', new Anthropic(options));
  anthropicSdks.set('anthropic-sdk-0', new AnthropicV0(options) as unknown as Anthropic);
});

afterAll(() => stack.stop());

const upstreams: readonly { readonly protocol: UpstreamProtocol; readonly model: string }[] = [
  { protocol: 'openai', model: 'test/fake-model' },
  { protocol: 'anthropic', model: 'test/fake-claude' },
  { protocol: 'gemini', model: 'test/fake-gemini' },
];

const usage = { input: 1_200, cached: 1_000, output: 50, reasoning: 20 };
/** (200 uncached × 0.28 + 1000 cached × 0.028 + 50 × 0.42) USD per 1M tokens = 105 000 nano-USD. */
const expectedCost = 0.000105;
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const answerSchema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** What a client saw, in protocol-neutral terms. */
interface Observed {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; input: unknown }[];
  finish: 'stop' | 'tool-calls';
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  cost: number;
}

type ScenarioName = 'text' | 'tools' | 'reasoning' | 'image' | 'json-schema';

const scripts: Record<ScenarioName, ModelScript> = {
  text: { text: ['Hel', 'lo!'], usage },
  tools: {
    toolCalls: [
      { id: 'call_paris', name: 'weather', argumentPieces: ['{"city":', '"Paris"}'] },
      { id: 'call_rome', name: 'weather', argumentPieces: ['{"city":"Rome"}'] },
    ],
    usage,
  },
  reasoning: { reasoning: ['Let me ', 'think.'], signature: 'sig-xyz', text: ['42'], usage },
  image: { text: ['A single pixel.'], usage },
  'json-schema': { text: ['{"answer":', '42}'], usage },
};

function expectedObservation(scenario: ScenarioName, client: 'openai' | 'anthropic'): Omit<Observed, 'cost'> {
  const script = scripts[scenario];
  return {
    text: (script.text ?? []).join(''),
    reasoning: (script.reasoning ?? []).join(''),
    toolCalls: (script.toolCalls ?? []).map((call) => ({
      id: call.id,
      name: call.name,
      input: JSON.parse(call.argumentPieces.join('')) as unknown,
    })),
    finish: script.toolCalls === undefined ? 'stop' : 'tool-calls',
    promptTokens: client === 'openai' ? usage.input : usage.input - usage.cached,
    cachedTokens: usage.cached,
    completionTokens: usage.output,
  };
}

async function callOpenAIJson(scenario: ScenarioName, model: string): Promise<Observed> {
  const { stream: _stream, stream_options: _options, ...request } = buildOpenAIRequest(scenario, model);
  const completion = await stack.client.chat.completions.create({ ...request, stream: false });
  expect(validateSchema('CreateChatCompletionResponse', completion)).toEqual([]);
  const message = completion.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
  const reported = completion.usage as OpenAI.CompletionUsage & { cost: number };
  return {
    text: message.content ?? '',
    reasoning: message.reasoning_content ?? '',
    toolCalls: (message.tool_calls ?? []).map((call) => {
      if (call.type !== 'function') throw new Error('unexpected tool call type');
      return { id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) as unknown };
    }),
    finish: completion.choices[0]!.finish_reason === 'tool_calls' ? 'tool-calls' : 'stop',
    promptTokens: reported.prompt_tokens,
    cachedTokens: reported.prompt_tokens_details?.cached_tokens ?? -1,
    completionTokens: reported.completion_tokens,
    cost: reported.cost,
  };
}

function buildOpenAIRequest(scenario: ScenarioName, model: string): OpenAI.ChatCompletionCreateParamsStreaming {
  const request: OpenAI.ChatCompletionCreateParamsStreaming = {
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Hello' }],
  };
  if (scenario === 'tools') {
    request.tools = [{ type: 'function', function: { name: 'weather', parameters: weatherSchema } }];
  } else if (scenario === 'reasoning') {
    request.reasoning_effort = 'high';
  } else if (scenario === 'image') {
    request.messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
        ],
      },
    ];
  } else if (scenario === 'json-schema') {
    request.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: answerSchema } };
  }
  return request;
}

async function callOpenAI(scenario: ScenarioName, model: string): Promise<Observed> {
  const stream = await stack.client.chat.completions.create(buildOpenAIRequest(scenario, model));
  const observed: Observed = { ...emptyObservation() };
  const argumentsByIndex: { id: string; name: string; args: string }[] = [];
  for await (const chunk of stream) {
    expect(validateSchema('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    const choice = chunk.choices[0];
    const delta = (choice?.delta ?? {}) as OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
    observed.text += delta.content ?? '';
    observed.reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      const entry = (argumentsByIndex[call.index] ??= { id: call.id ?? '', name: call.function?.name ?? '', args: '' });
      entry.args += call.function?.arguments ?? '';
    }
    if (choice?.finish_reason === 'tool_calls') observed.finish = 'tool-calls';
    if (chunk.usage) {
      const reported = chunk.usage as OpenAI.CompletionUsage & { cost: number };
      observed.promptTokens = reported.prompt_tokens;
      observed.cachedTokens = reported.prompt_tokens_details?.cached_tokens ?? -1;
      observed.completionTokens = reported.completion_tokens;
      observed.cost = reported.cost;
    }
  }
  observed.toolCalls = argumentsByIndex.map((call) => ({
    id: call.id,
    name: call.name,
    input: JSON.parse(call.args) as unknown,
  }));
  return observed;
}

async function callAnthropicJson(scenario: ScenarioName, model: string, sdk: Anthropic): Promise<Observed> {
  const message = await sdk.messages.create(buildAnthropicRequest(scenario, model));
  expectAnthropicMessageShape(message);
  const observed = observeMessage(message);
  observed.cost = (message.usage as unknown as { cost: number }).cost;
  return observed;
}

function observeMessage(message: Anthropic.Message): Observed {
  const observed: Observed = { ...emptyObservation() };
  for (const block of message.content) {
    if (block.type === 'text') observed.text += block.text;
    else if (block.type === 'thinking') observed.reasoning += block.thinking;
    else if (block.type === 'tool_use') observed.toolCalls.push({ id: block.id, name: block.name, input: block.input });
  }
  observed.finish = message.stop_reason === 'tool_use' ? 'tool-calls' : 'stop';
  observed.promptTokens = message.usage.input_tokens;
  observed.cachedTokens = message.usage.cache_read_input_tokens ?? -1;
  observed.completionTokens = message.usage.output_tokens;
  return observed;
}

function buildAnthropicRequest(scenario: ScenarioName, model: string): Anthropic.MessageCreateParamsNonStreaming {
  const request: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: 4_096,
    messages: [{ role: 'user', content: 'Hello' }],
  };
  if (scenario === 'tools') {
    request.tools = [{ name: 'weather', input_schema: { ...weatherSchema, type: 'object' } }];
  } else if (scenario === 'reasoning') {
    request.thinking = { type: 'enabled', budget_tokens: 2_048 };
  } else if (scenario === 'image') {
    request.messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
        ],
      },
    ];
  } else if (scenario === 'json-schema') {
    Object.assign(request, { output_config: { format: { type: 'json_schema', schema: answerSchema } } });
  }
  return request;
}

async function callAnthropic(scenario: ScenarioName, model: string, sdk: Anthropic): Promise<Observed> {
  const events: Anthropic.MessageStreamEvent[] = [];
  const stream = sdk.messages.stream(buildAnthropicRequest(scenario, model));
  stream.on('streamEvent', (event) => events.push(event));
  const message = await stream.finalMessage();
  expectWellFormedAnthropicStream(events);
  events.forEach(expectAnthropicEventShape);
  const observed = observeMessage(message);
  // The SDK's accumulator copies only Anthropic's own usage fields; OpenRouter's `cost` is on message_delta.
  const delta = events.find((event) => event.type === 'message_delta');
  observed.cost = (delta?.usage as unknown as { cost: number }).cost;
  return observed;
}

function emptyObservation(): Observed {
  return {
    text: '',
    reasoning: '',
    toolCalls: [],
    finish: 'stop',
    promptTokens: -1,
    cachedTokens: -1,
    completionTokens: -1,
    cost: -1,
  };
}

/** message_start first, message_stop last, one message_delta, every block started once before its deltas and stopped once. */
function expectWellFormedAnthropicStream(events: readonly Anthropic.MessageStreamEvent[]): void {
  expect(events[0]?.type).toBe('message_start');
  expect(events.at(-1)?.type).toBe('message_stop');
  expect(events.filter((event) => event.type === 'message_delta')).toHaveLength(1);
  const open = new Set<number>();
  const closed = new Set<number>();
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect(open.has(event.index) || closed.has(event.index)).toBe(false);
      open.add(event.index);
    } else if (event.type === 'content_block_delta') {
      expect(open.has(event.index)).toBe(true);
    } else if (event.type === 'content_block_stop') {
      expect(open.delete(event.index)).toBe(true);
      closed.add(event.index);
    }
  }
  expect(open.size).toBe(0);
}

/** The upstream received the scenario's feature in its own dialect. */
function expectUpstreamRequest(
  scenario: ScenarioName,
  protocol: UpstreamProtocol,
  client: 'openai' | 'anthropic',
  isStreaming: boolean,
): void {
  const sent = stack.fake.received.at(-1)!;
  const body = sent.body;
  const expectedPath = {
    openai: '/v1/chat/completions',
    anthropic: '/v1/messages',
    gemini: isStreaming
      ? '/v1/models/fake-gemini-model:streamGenerateContent?alt=sse'
      : '/v1/models/fake-gemini-model:generateContent',
  }[protocol];
  expect(sent.path).toBe(expectedPath);
  if (scenario === 'tools') {
    const tools = {
      openai: [{ type: 'function', function: { name: 'weather', parameters: weatherSchema } }],
      anthropic: [{ name: 'weather', input_schema: weatherSchema }],
      gemini: [{ functionDeclarations: [{ name: 'weather', parametersJsonSchema: weatherSchema }] }],
    }[protocol];
    expect(body['tools']).toEqual(tools);
  } else if (scenario === 'image') {
    const lastUser = {
      openai: () => (body['messages'] as { content: unknown[] }[]).at(-1)!.content[1],
      anthropic: () => (body['messages'] as { content: unknown[] }[]).at(-1)!.content[1],
      gemini: () => (body['contents'] as { parts: unknown[] }[]).at(-1)!.parts[1],
    }[protocol]();
    const image = {
      openai: { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
      anthropic: { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
      gemini: { inlineData: { mimeType: 'image/png', data: pixel } },
    }[protocol];
    expect(lastUser).toEqual(image);
  } else if (scenario === 'json-schema') {
    const name = client === 'openai' ? 'answer' : 'response';
    if (protocol === 'openai') {
      expect(body['response_format']).toEqual({ type: 'json_schema', json_schema: { name, schema: answerSchema } });
    } else if (protocol === 'anthropic') {
      expect(body['output_config']).toEqual({ format: { type: 'json_schema', schema: answerSchema } });
    } else {
      expect(body['generationConfig']).toMatchObject({
        responseMimeType: 'application/json',
        responseJsonSchema: answerSchema,
      });
    }
  } else if (scenario === 'reasoning') {
    if (protocol === 'anthropic') expect(body['thinking']).toMatchObject({ type: 'enabled' });
    if (protocol === 'gemini')
      expect(body['generationConfig']).toMatchObject({ thinkingConfig: { includeThoughts: true } });
    if (protocol === 'openai' && client === 'openai') expect(body['reasoning_effort']).toBe('high');
  }
}

const scenarioNames = Object.keys(scripts) as ScenarioName[];

type Caller = (scenario: ScenarioName, model: string) => Promise<Observed>;
const sdk = (name: string): Anthropic => anthropicSdks.get(name)!;
const callers: Record<string, { readonly stream: Caller; readonly json: Caller }> = {
  openai: { stream: callOpenAI, json: callOpenAIJson },
  'anthropic-sdk-1': {
    stream: (scenario, model) => callAnthropic(scenario, model, sdk('anthropic-sdk-1')),
    json: (scenario, model) => callAnthropicJson(scenario, model, sdk('anthropic-sdk-1')),
  },
  'anthropic-sdk-0': {
    stream: (scenario, model) => callAnthropic(scenario, model, sdk('anthropic-sdk-0')),
    json: (scenario, model) => callAnthropicJson(scenario, model, sdk('anthropic-sdk-0')),
  },
};

describe.each(['stream', 'json'] as const)('%s', (mode) => {
  describe.each(['openai', 'anthropic-sdk-1', 'anthropic-sdk-0'] as const)('%s client', (clientName) => {
    const client = clientName === 'openai' ? 'openai' : 'anthropic';
    describe.each(upstreams)('→ $protocol upstream', ({ protocol, model }) => {
      it.each(scenarioNames)('%s', async (scenario) => {
        const script = scripts[scenario];
        stack.fake.enqueue(mode === 'stream' ? streamScript(protocol, script) : completeScript(protocol, script));
        const { cost, ...rest } = await callers[clientName]![mode](scenario, model);
        expect(rest).toEqual(expectedObservation(scenario, client));
        expect(cost).toBe(expectedCost);
        expectUpstreamRequest(scenario, protocol, client, mode === 'stream');
      });
    });
  });
});

describe('settings an upstream protocol cannot honour', () => {
  it('are named in x-meridian-warnings, never silently dropped', async () => {
    stack.fake.enqueue(completeScript('anthropic', scripts.text));
    const { response } = await stack.client.chat.completions
      .create({
        model: 'test/fake-claude',
        messages: [{ role: 'user', content: 'Hello' }],
        seed: 7,
        response_format: { type: 'json_object' },
        logit_bias: { '50256': -100 },
      })
      .withResponse();
    const warnings = JSON.parse(response.headers.get('x-meridian-warnings') ?? '[]') as { setting: string }[];
    expect(warnings.map((warning) => warning.setting).sort()).toEqual(['logit_bias', 'response_format', 'seed']);
    const sent = stack.fake.received.at(-1)!.body;
    expect(Object.keys(sent).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });
});

describe('long agent contexts reach every upstream protocol as the client wrote them', () => {
  const turn = (index: number): string => `part ${index}: 函数 naïve/"quoted"\\ `.repeat(900);
  /** Escaped as no serialiser of ours writes them: the upstream body shows whose bytes it carries. */
  const spell = (text: string): string =>
    JSON.stringify(text).replace(/[^\x20-\x7e]|\//g, (character) =>
      character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  const bodies = {
    openai: (model: string) =>
      `{"model":"${model}","messages":[{"role":"system","content":${spell(turn(0))}},` +
      `{"role":"user","content":[{"type":"text","text":${spell(turn(1))}}]},` +
      `{"role":"assistant","content":${spell(turn(2))}},{"role":"user","content":"Go on."}]}`,
    anthropic: (model: string) =>
      `{"model":"${model}","max_tokens":64,"system":[{"type":"text","text":${spell(turn(0))}}],"messages":[` +
      `{"role":"user","content":[{"type":"text","text":${spell(turn(1))}}]},` +
      `{"role":"assistant","content":${spell(turn(2))}},{"role":"user","content":"Go on."}]}`,
  };

  describe.each(['openai', 'anthropic'] as const)('%s client', (client) => {
    it.each(upstreams)('→ $protocol upstream', async ({ protocol, model }) => {
      stack.fake.enqueue(completeScript(protocol, scripts.text));
      const body = bodies[client](model);
      // Over 64 KiB: the gateway parses it in pieces, then splices each long text into the upstream body.
      expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
      const response = await fetch(
        `${stack.gateway.url}${client === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
          body,
        },
      );
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { usage: { cost: number } };
      expect(answer.usage.cost).toBe(expectedCost);
      const sent = stack.fake.received.at(-1)!;
      for (const index of [0, 1, 2]) expect(sent.text).toContain(spell(turn(index)));
      expect(sent.headers['content-length']).toBe(String(Buffer.byteLength(sent.text)));
      // The upstream reads the very texts the client sent.
      const texts: string[] = [];
      JSON.parse(sent.text, (_key, value: unknown) => {
        if (typeof value === 'string' && value.length > 1_000) texts.push(value);
        return value;
      });
      expect(texts.sort()).toEqual([turn(0), turn(1), turn(2)].sort());
    });
  });
});
