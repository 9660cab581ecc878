import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { readGeneration } from '../support/gateway-config.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

/**
 * What an official OpenAI client sends and expects keeps working across protocols: tool-call ids stay unique when a
 * Gemini conversation moves to Anthropic, current tool shapes (custom tools, `allowed_tools`) are accepted, names
 * dropped for Anthropic are announced, an answer without choices is a clean 502, and errors a retry cannot fix say so.
 */
let stack: TestStack;
let fake: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  stack = await startTestStack('openai-fidelity');
  ({ fake, client } = stack);
});

afterAll(() => stack.stop());

beforeEach(() => fake.reset());

const weather = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } };

/** A Gemini 2.5 answer: one function call without an `id`, and the same responseId every time. */
function geminiCall(city: string): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city } } }] },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    responseId: 'resp-same',
  };
}

function anthropicText(text: string): Record<string, unknown> {
  return {
    id: 'msg_up',
    type: 'message',
    role: 'assistant',
    model: 'fake-claude-model',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

function openaiMessage(message: Record<string, unknown>, finishReason = 'stop'): Scenario {
  return {
    kind: 'json',
    body: {
      id: 'chatcmpl-up',
      object: 'chat.completion',
      created: 1_795_000_000,
      model: 'fake',
      choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finishReason }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    },
  };
}

function readWarnings(response: Response): unknown {
  const header = response.headers.get('x-meridian-warnings');
  return header === null ? null : (JSON.parse(header) as unknown);
}

describe('tool-call ids made for Gemini calls without one', () => {
  it('differ every turn (JSON and stream), are not sent back to Gemini, and reach Anthropic as distinct tool_use ids', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris, then Rome?' }];
    fake.enqueue({ kind: 'json', body: geminiCall('Paris') });
    const first = await client.chat.completions.create({ model: 'test/fake-gemini', messages, tools: [weather] });
    const firstCall = first.choices[0]!.message.tool_calls![0]!;
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: firstCall.id, content: '18 °C' });

    fake.enqueue({ kind: 'sse', frames: [`data: ${JSON.stringify(geminiCall('Rome'))}\r\n\r\n`] });
    const second = await client.chat.completions
      .stream({ model: 'test/fake-gemini', messages, tools: [weather] })
      .finalChatCompletion();
    const secondCall = second.choices[0]!.message.tool_calls![0]!;
    messages.push(
      { role: 'assistant', content: null, tool_calls: [secondCall] },
      { role: 'tool', tool_call_id: secondCall.id, content: '24 °C' },
    );

    expect(firstCall.id).toMatch(/^call_[0-9a-f]{16}_0_0$/);
    expect(secondCall.id).toMatch(/^call_[0-9a-f]{16}_0_0$/);
    expect(secondCall.id).not.toBe(firstCall.id);
    // The gateway's ids are its own: Gemini gets its calls and results back without them.
    expect((fake.received[1]!.body['contents'] as unknown[]).slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { result: '18 °C' } } }] },
    ]);

    fake.enqueue({ kind: 'json', body: anthropicText('Paris 18 °C, Rome 24 °C.') });
    const third = await client.chat.completions.create({ model: 'test/fake-claude', messages, tools: [weather] });
    expect(third.choices[0]!.message.content).toBe('Paris 18 °C, Rome 24 °C.');
    expect((fake.received[2]!.body['messages'] as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: firstCall.id, name: 'weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: firstCall.id, content: '18 °C' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: secondCall.id, name: 'weather', input: { city: 'Rome' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: secondCall.id, content: '24 °C' }] },
    ]);
  });
});

const customTool = { type: 'custom', custom: { name: 'run', description: 'Runs Python', format: { type: 'text' } } };
const allowedTools = {
  type: 'allowed_tools',
  allowed_tools: {
    mode: 'required',
    tools: [
      { type: 'function', function: { name: 'weather' } },
      { type: 'custom', custom: { name: 'run' } },
    ],
  },
};
const clock = { type: 'function', function: { name: 'clock' } };

function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

describe('custom tools and allowed_tools (OpenAPI CustomToolChatCompletions, ChatCompletionAllowedToolsChoice)', () => {
  it('reach an OpenAI-compatible upstream as sent; its custom tool call comes back as one (JSON)', async () => {
    const call = { id: 'call_run', type: 'custom', custom: { name: 'run', input: 'print(1 + 1)' } };
    fake.enqueue(openaiMessage({ tool_calls: [call] }, 'tool_calls'));
    const { data, response } = await client.chat.completions
      .create({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'Add one and one in Python.' }],
        tools: [customTool, weather, clock] as OpenAI.ChatCompletionTool[],
        tool_choice: allowedTools as OpenAI.ChatCompletionToolChoiceOption,
      })
      .withResponse();
    expect(fake.received[0]!.body['tools']).toEqual([customTool, weather, clock]);
    expect(fake.received[0]!.body['tool_choice']).toEqual(allowedTools);
    expect(readWarnings(response)).toBeNull();
    expect(data.choices[0]!.message.tool_calls).toEqual([call]);
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('stream a custom tool call to the client as one, and send it back in the next turn', async () => {
    const chunk = (toolCall: Record<string, unknown>) => ({
      id: 'chatcmpl-up',
      object: 'chat.completion.chunk',
      created: 1_795_000_000,
      model: 'fake',
      choices: [{ index: 0, delta: { tool_calls: [toolCall] }, finish_reason: null }],
    });
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ index: 0, id: 'call_run', type: 'custom', custom: { name: 'run', input: '' } }),
        chunk({ index: 0, custom: { input: 'print(' } }),
        chunk({ index: 0, custom: { input: '2)' } }),
        {
          id: 'chatcmpl-up',
          object: 'chat.completion.chunk',
          created: 1_795_000_000,
          model: 'fake',
          choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        },
      ]),
    });
    const streamed = await client.chat.completions
      .stream({
        model: 'test/fake-model',
        messages: [{ role: 'user', content: 'Print two.' }],
        tools: [customTool] as OpenAI.ChatCompletionTool[],
      })
      .finalChatCompletion();
    const call = streamed.choices[0]!.message.tool_calls![0]!;
    expect(call).toEqual({ id: 'call_run', type: 'custom', custom: { name: 'run', input: 'print(2)' } });

    fake.enqueue(openaiMessage({ content: 'Done.' }));
    await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [
        { role: 'user', content: 'Print two.' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_run', content: '2' },
      ],
      tools: [customTool] as OpenAI.ChatCompletionTool[],
    });
    expect((fake.received[1]!.body['messages'] as unknown[])[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_run', type: 'custom', custom: { name: 'run', input: 'print(2)' } }],
    });
  });

  it('reach Anthropic as the allowed function tools with tool_choice any; the custom tool dropped with a warning', async () => {
    fake.enqueue({ kind: 'json', body: anthropicText('ok') });
    const response = await post({
      model: 'test/fake-claude',
      tools: [customTool, weather, clock],
      tool_choice: allowedTools,
    });
    expect(response.status).toBe(200);
    expect(fake.received[0]!.body['tools']).toEqual([{ name: 'weather', input_schema: { type: 'object' } }]);
    expect(fake.received[0]!.body['tool_choice']).toEqual({ type: 'any' });
    expect(readWarnings(response)).toEqual([
      {
        type: 'other',
        message: 'Dropped a tool of the openai-chat protocol, which the Anthropic Messages API cannot take.',
      },
    ]);
  });

  it('reach Gemini without the custom tool or its choice, each dropped with a warning', async () => {
    fake.enqueue({ kind: 'json', body: geminiCall('Oslo') });
    const response = await post({
      model: 'test/fake-gemini',
      tools: [customTool, weather],
      tool_choice: { type: 'custom', custom: { name: 'run' } },
    });
    expect(response.status).toBe(200);
    expect(fake.received[0]!.body['tools']).toEqual([
      { functionDeclarations: [{ name: 'weather', parametersJsonSchema: { type: 'object' } }] },
    ]);
    expect(fake.received[0]!.body['toolConfig']).toBeUndefined();
    expect(readWarnings(response)).toEqual([
      { type: 'unsupported-setting', setting: 'tool_choice', details: 'openai-chat tool choice "custom" dropped' },
      { type: 'unsupported-setting', setting: 'tools[0]', details: 'openai-chat tool "custom" dropped' },
    ]);
  });
});

describe('message names on the way to Anthropic', () => {
  it('are dropped with a warning, the turns of two speakers merged', async () => {
    fake.enqueue({ kind: 'json', body: anthropicText('Hello both.') });
    const { response } = await client.chat.completions
      .create({
        model: 'test/fake-claude',
        messages: [
          { role: 'user', name: 'alice', content: 'Hi, I am Alice.' },
          { role: 'user', name: 'bob', content: 'And I am Bob.' },
        ],
      })
      .withResponse();
    expect(fake.received[0]!.body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi, I am Alice.' },
          { type: 'text', text: 'And I am Bob.' },
        ],
      },
    ]);
    expect(readWarnings(response)).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'messages[].name',
        details: 'Anthropic has no participant names; consecutive turns of one role are merged',
      },
    ]);
  });
});

describe('an OpenAI-compatible answer without any choice', () => {
  const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };

  async function credits(): Promise<Record<string, number>> {
    const response = await fetch(`${stack.gateway.url}/api/v1/credits`, {
      headers: { authorization: `Bearer ${stack.key}` },
    });
    return ((await response.json()) as { data: Record<string, number> }).data;
  }

  /** Status, error and the generation record (ending and money) of one call to test/fake-model. */
  async function callWithoutChoices(isStream: boolean) {
    fake.enqueue(
      isStream
        ? {
            kind: 'sse',
            frames: sseFrames([{ id: 'chatcmpl-up', object: 'chat.completion.chunk', choices: [], usage }]),
          }
        : { kind: 'json', body: { id: 'chatcmpl-up', object: 'chat.completion', choices: [], usage } },
    );
    const response = await post({ model: 'test/fake-model', stream: isStream });
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    const generation = await readGeneration(
      stack.gateway.url,
      stack.key,
      response.headers.get('x-meridian-generation-id')!,
    );
    return {
      status: response.status,
      code: error['code'],
      shouldRetry: response.headers.get('x-should-retry'),
      generation: {
        ending: generation['ending'],
        cost_nanos: generation['cost_nanos'],
        upstream_cost_nanos: generation['upstream_cost_nanos'],
      },
    };
  }

  it('is a retryable 502 upstream_invalid_response, charged nothing but booked at upstream cost, as the stream that ends without output', async () => {
    const before = await credits();
    const json = await callWithoutChoices(false);
    expect(json).toEqual({
      status: 502,
      code: 'upstream_invalid_response',
      shouldRetry: null,
      // The provider reported usage, so it billed the operator: 12 × 280 + 7 × 420 nano-USD (test/fake-model's
      // prices) stays in the books as upstream cost; the customer pays nothing.
      generation: { ending: 'error', cost_nanos: '0', upstream_cost_nanos: '6300' },
    });
    expect(await callWithoutChoices(true)).toEqual(json);
    expect(await credits()).toEqual(before);
  });
});

/** An official client that would retry twice, counting the HTTP requests it makes. */
function createCountingClient(): { counting: OpenAI; attempts: () => number } {
  let count = 0;
  const counting = new OpenAI({
    baseURL: `${stack.gateway.url}/v1`,
    apiKey: stack.key,
    maxRetries: 2,
    fetch: (url, init) => {
      count += 1;
      return fetch(url, init);
    },
  });
  return { counting, attempts: () => count };
}

describe('x-should-retry: false on errors a retry cannot fix', () => {
  it('405 method_not_allowed', async () => {
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${stack.key}` },
    });
    expect([response.status, response.headers.get('x-should-retry')]).toEqual([405, 'false']);
  });

  it('409 idempotency_conflict for another body under the key: the official client does not retry it', async () => {
    const { counting, attempts } = createCountingClient();
    const options = { headers: { 'Idempotency-Key': `fidelity-${Date.now()}` } };
    fake.enqueue(completeScript('openai', { text: ['once'], usage: { input: 5, cached: 0, output: 2, reasoning: 0 } }));
    await counting.chat.completions.create(
      { model: 'test/fake-model', messages: [{ role: 'user', content: 'one' }] },
      options,
    );
    const conflict = await counting.chat.completions
      .create({ model: 'test/fake-model', messages: [{ role: 'user', content: 'two' }] }, options)
      .catch((caught: unknown) => caught);
    expect(conflict).toBeInstanceOf(OpenAI.ConflictError);
    const { status, code, headers } = conflict as InstanceType<typeof OpenAI.ConflictError>;
    expect([status, code, headers.get('x-should-retry')]).toEqual([409, 'idempotency_conflict', 'false']);
    expect(attempts()).toBe(2);
    expect(fake.received).toHaveLength(1);
  });

  it.each([
    ['provider.only names no provider of the model', { provider: { only: ['no-such-provider'] } }],
    ['a required parameter no endpoint supports', { provider: { require_parameters: true }, temperature: 0.5 }],
  ])('503 no_available_provider when %s: the official client does not retry it', async (_name, extra) => {
    const { counting, attempts } = createCountingClient();
    const refused = await counting.chat.completions
      .create({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }], ...extra } as never)
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    const { status, code, headers } = refused as InstanceType<typeof OpenAI.InternalServerError>;
    expect([status, code, headers.get('x-should-retry')]).toEqual([503, 'no_available_provider', 'false']);
    expect(attempts()).toBe(1);
    expect(fake.received).toHaveLength(0);
  });
});
