import { APIError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeScript, streamScript, unfinishedStreamFrames } from '../fake-upstream/protocol-scripts.js';
import type { ModelScript, UpstreamProtocol } from '../fake-upstream/protocol-scripts.js';
import { sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { readSseData } from '../support/read-sse.js';
import { validateSchema } from '../support/openapi.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';

let stack: TestStack;
let fake: FakeUpstream;

beforeAll(async () => {
  stack = await startTestStack('responses-inbound');
  fake = stack.fake;
});

afterAll(() => stack.stop());

const modelByProtocol: Record<UpstreamProtocol, string> = {
  openai: 'test/fake-model',
  anthropic: 'test/fake-claude',
  gemini: 'test/fake-gemini',
};

/** Reasoning, text and two tool calls, with usage: 120 prompt tokens (100 cached), 40 completion (10 reasoning). */
const toolTurn: ModelScript = {
  reasoning: ['Two tools ', 'are needed.'],
  signature: 'SIG-1',
  text: ['Checking ', 'both.'],
  toolCalls: [
    { id: 'call_a', name: 'weather', argumentPieces: ['{"city":', '"Paris"}'] },
    { id: 'call_b', name: 'time', argumentPieces: ['{}'] },
  ],
  usage: { input: 120, cached: 100, output: 40, reasoning: 10 },
};
/** 20 uncached × 0.28 + 100 cached × 0.028 + 40 × 0.42, per 1M tokens, in USD. */
const toolTurnCost = (20 * 0.28 + 100 * 0.028 + 40 * 0.42) / 1_000_000;

const tools = [
  { type: 'function' as const, name: 'weather', parameters: { type: 'object' }, strict: false },
  { type: 'function' as const, name: 'time', parameters: { type: 'object' }, strict: false },
];

/** The usage every answer to `toolTurn` carries, OpenRouter's cost included (Anthropic reports no reasoning count). */
function expectToolTurnUsage(usage: unknown, protocol: UpstreamProtocol): void {
  expect(usage).toMatchObject({
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 },
    output_tokens: 40,
    output_tokens_details: { reasoning_tokens: protocol === 'anthropic' ? 0 : 10 },
    total_tokens: 160,
  });
  expect((usage as { cost: number }).cost).toBeCloseTo(toolTurnCost, 15);
}

/** The output items `toolTurn` becomes, whichever upstream protocol produced it (the signature tagged with it, the text in base64). */
function toolTurnOutput(id: string, protocol: UpstreamProtocol): unknown[] {
  const signer = { openai: undefined, anthropic: 'anthropic-messages', gemini: 'gemini' }[protocol];
  return [
    {
      type: 'reasoning',
      id: `rs_${id}_0`,
      summary: [],
      content: [{ type: 'reasoning_text', text: 'Two tools are needed.' }],
      ...(signer === undefined ? {} : { encrypted_content: `${signer}+text:VHdvIHRvb2xzIGFyZSBuZWVkZWQu:SIG-1` }),
      status: 'completed',
    },
    {
      type: 'message',
      id: `msg_${id}_1`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
    },
    {
      type: 'function_call',
      id: `fc_${id}_2`,
      call_id: 'call_a',
      name: 'weather',
      arguments: '{"city":"Paris"}',
      status: 'completed',
    },
    { type: 'function_call', id: `fc_${id}_3`, call_id: 'call_b', name: 'time', arguments: '{}', status: 'completed' },
  ];
}

describe('POST /v1/responses with the official OpenAI client', () => {
  it('a text answer: instructions and input reach the upstream as system and user messages, usage and cost exact', async () => {
    fake.enqueue(
      completeScript('openai', { text: ['Bonjour.'], usage: { input: 30, cached: 0, output: 4, reasoning: 0 } }),
    );
    const { data: response, response: raw } = await stack.client.responses
      .create({ model: 'test/fake-model', instructions: 'Answer in French.', input: 'Hello', max_output_tokens: 64 })
      .withResponse();
    expect(response.output_text).toBe('Bonjour.');
    expect(response.status).toBe('completed');
    expect(response.model).toBe('test/fake-model');
    expect(response.usage).toMatchObject({ input_tokens: 30, output_tokens: 4, total_tokens: 34 });
    expect(raw.headers.get('x-request-id')).toMatch(/.+/);
    expect(fake.received.at(-1)!.body['messages']).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
    ]);
    const generation = await readGeneration(stack.gateway.url, stack.key, response.id);
    expect([generation['tokens_prompt'], generation['tokens_completion']]).toEqual([30, 4]);
    const metrics = await (
      await fetch(`${stack.gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
    ).text();
    expect(metrics).toMatch(
      /^meridian_requests_total\{route="responses",[^}]*status_class="2xx",ending="success"\} 1$/m,
    );
    // 30 × 0.28 + 4 × 0.42 USD per 1M tokens = 10 080 nano-USD.
    expect(generation['cost_nanos']).toBe('10080');
  });

  it.each(['openai', 'anthropic', 'gemini'] as const)(
    'JSON from a %s upstream: reasoning, text and tool calls as output items that match the OpenAPI spec',
    async (protocol) => {
      fake.enqueue(completeScript(protocol, toolTurn));
      const response = await stack.client.responses.create({
        model: modelByProtocol[protocol],
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather and time in Paris?' }] }],
        tools,
      });
      expect(validateSchema('Response', response)).toEqual([]);
      expect(response.output).toEqual(toolTurnOutput(response.id, protocol));
      expectToolTurnUsage(response.usage, protocol);
    },
  );

  it.each(['openai', 'anthropic', 'gemini'] as const)(
    'a stream from a %s upstream: every event in the spec, numbered in order, the final response equal to the JSON one',
    async (protocol) => {
      fake.enqueue(streamScript(protocol, toolTurn));
      const stream = stack.client.responses.stream({
        model: modelByProtocol[protocol],
        input: 'Weather and time in Paris?',
        tools,
      });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const final = await stream.finalResponse();
      for (const event of events) expect(validateSchema('ResponseStreamEvent', event)).toEqual([]);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      expect(events.map((event) => event.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.reasoning_text.delta',
        'response.reasoning_text.delta',
        'response.reasoning_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        ...functionCallEvents(protocol),
        'response.completed',
      ]);
      // The wire's final response (the SDK's own adds its parse helpers' fields), and what the SDK assembled.
      const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
      expect(completed.response.output).toEqual(toolTurnOutput(final.id, protocol));
      expectToolTurnUsage(completed.response.usage, protocol);
      expect(final.output_text).toBe('Checking both.');
      expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
      const generation = await readGeneration(stack.gateway.url, stack.key, final.id);
      expect([generation['tokens_prompt'], generation['tokens_completion']]).toEqual([120, 40]);
    },
  );

  it('reasoning.summary asked: the reasoning text comes as the summary (stream and JSON), which clients display', async () => {
    const script: ModelScript = {
      reasoning: ['Think ', 'twice.'],
      text: ['Done.'],
      usage: { input: 10, cached: 0, output: 5, reasoning: 3 },
    };
    fake.enqueue(streamScript('openai', script));
    const stream = stack.client.responses.stream({
      model: 'test/fake-model',
      input: 'Go',
      reasoning: { effort: 'low', summary: 'auto' },
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    for (const event of events) expect(validateSchema('ResponseStreamEvent', event)).toEqual([]);
    expect(events.map((event) => event.type).slice(2, 9)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
    ]);
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Think twice.' }],
      content: [],
    });
    fake.enqueue(completeScript('openai', script));
    const response = await stack.client.responses.create({
      model: 'test/fake-model',
      input: 'Go',
      reasoning: { effort: 'low', summary: 'detailed' },
    });
    expect(validateSchema('Response', response)).toEqual([]);
    expect(response.output[0]).toMatchObject({
      summary: [{ type: 'summary_text', text: 'Think twice.' }],
      content: [],
    });
  });

  it('the next turn: reasoning, function_call and function_call_output items reach an Anthropic upstream as its own blocks, the signature untagged', async () => {
    fake.enqueue(
      completeScript('anthropic', { text: ['Sunny, noon.'], usage: { input: 50, cached: 0, output: 5, reasoning: 0 } }),
    );
    const response = await stack.client.responses.create({
      model: 'test/fake-claude',
      tools,
      input: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [],
          content: [{ type: 'reasoning_text', text: 'Two tools are needed.' }],
          encrypted_content: 'anthropic-messages:SIG-1',
        },
        { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_b', name: 'time', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'sunny' },
        { type: 'function_call_output', call_id: 'call_b', output: '12:00' },
      ],
    });
    expect(response.output_text).toBe('Sunny, noon.');
    expect(fake.received.at(-1)!.body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two tools are needed.', signature: 'SIG-1' },
          { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_b', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_a', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_b', content: '12:00' },
        ],
      },
    ]);
  });

  it('a reasoning item sent back with its encrypted_content alone (Codex drops reasoning_text content, the AI SDK sends only summary) reaches Anthropic with its thinking text', async () => {
    fake.enqueue(completeScript('anthropic', toolTurn));
    const first = await stack.client.responses.create({ model: 'test/fake-claude', input: 'Weather?', tools });
    const reasoning = first.output[0] as { id: string; encrypted_content: string };
    fake.enqueue(
      completeScript('anthropic', { text: ['Sunny.'], usage: { input: 50, cached: 0, output: 2, reasoning: 0 } }),
    );
    await stack.client.responses.create({
      model: 'test/fake-claude',
      tools,
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'reasoning', id: reasoning.id, summary: [], encrypted_content: reasoning.encrypted_content },
        { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'sunny' },
      ],
    });
    const assistant = (fake.received.at(-1)!.body['messages'] as { content: unknown[] }[])[1]!;
    expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: 'Two tools are needed.', signature: 'SIG-1' });
  });

  it('a function_call_output with an image (the Agents SDK, Codex) is served: its text goes up, the image is dropped with a warning', async () => {
    fake.enqueue(
      completeScript('openai', { text: ['A cat.'], usage: { input: 30, cached: 0, output: 2, reasoning: 0 } }),
    );
    const { response: raw } = await stack.client.responses
      .create({
        model: 'test/fake-model',
        tools,
        input: [
          { role: 'user', content: 'What is in the screenshot?' },
          { type: 'function_call', call_id: 'call_s', name: 'weather', arguments: '{}' },
          {
            type: 'function_call_output',
            call_id: 'call_s',
            output: [
              { type: 'input_text', text: 'Screenshot taken.' },
              { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
              { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
            ],
          },
        ],
      })
      .withResponse();
    expect((fake.received.at(-1)!.body['messages'] as unknown[]).at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_s',
      content: 'Screenshot taken.',
    });
    expect(JSON.parse(raw.headers.get('x-meridian-warnings')!)).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'input[2].output[1]',
        details: 'a tool output holds only text here; this input_image was dropped.',
      },
      {
        type: 'unsupported-setting',
        setting: 'input[2].output[2]',
        details: 'a tool output holds only text here; this input_file was dropped.',
      },
    ]);
  });

  it('two signed thinking blocks in a JSON answer stay two reasoning items, each with its own signature, as in a stream', async () => {
    const answer = completeScript('anthropic', {
      text: ['Done.'],
      usage: { input: 10, cached: 0, output: 6, reasoning: 0 },
    });
    const body = (answer.kind === 'json' ? answer.body : undefined) as { content: unknown[] };
    body.content.unshift(
      { type: 'thinking', thinking: 'One.', signature: 'S1' },
      { type: 'thinking', thinking: 'Two.', signature: 'S2' },
    );
    fake.enqueue(answer);
    const response = await stack.client.responses.create({ model: 'test/fake-claude', input: 'Think twice.' });
    expect(
      response.output.map((item) => [item.type, (item as { encrypted_content?: string }).encrypted_content]),
    ).toEqual([
      ['reasoning', 'anthropic-messages+text:T25lLg==:S1'],
      ['reasoning', 'anthropic-messages+text:VHdvLg==:S2'],
      ['message', undefined],
    ]);
  });

  it('hundreds of warnings (a long agent history of screenshots) stay a readable header: the first ones, then how many more', async () => {
    const input: unknown[] = [{ role: 'user', content: 'Look.' }];
    for (let turn = 0; turn < 200; turn += 1) {
      const output = [
        { type: 'input_text', text: 'Shot.' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
      ];
      input.push(
        { type: 'function_call', call_id: `call_${turn}`, name: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: `call_${turn}`, output },
      );
    }
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: { input: 10, cached: 0, output: 1, reasoning: 0 } }));
    const { response: raw } = await stack.client.responses
      .create({ model: 'test/fake-model', tools, input } as never)
      .withResponse();
    const header = raw.headers.get('x-meridian-warnings')!;
    const warnings = JSON.parse(header) as Record<string, unknown>[];
    expect(header.length).toBeLessThanOrEqual(4096);
    expect(warnings[0]).toEqual({
      type: 'unsupported-setting',
      setting: 'input[2].output[1]',
      details: 'a tool output holds only text here; this input_image was dropped.',
    });
    expect(warnings.at(-1)).toEqual({
      type: 'other',
      message: `${200 - (warnings.length - 1)} more warnings are not listed here (limits.warningsHeaderBytesMax).`,
    });
  });

  it('an Anthropic redacted_thinking block becomes a reasoning item whose encrypted_content brings it back to Anthropic whole', async () => {
    const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' };
    const answer = completeScript('anthropic', toolTurn);
    const body = (answer.kind === 'json' ? answer.body : undefined) as { content: unknown[] };
    body.content.splice(0, 2, redacted);
    fake.enqueue(answer);
    const first = await stack.client.responses.create({ model: 'test/fake-claude', input: 'Weather?', tools });
    expect(validateSchema('Response', first)).toEqual([]);
    expect(first.output[0]).toEqual({
      type: 'reasoning',
      id: `rs_${first.id}_0`,
      summary: [],
      content: [],
      encrypted_content: `anthropic-messages+block:${Buffer.from(JSON.stringify(redacted)).toString('base64')}`,
      status: 'completed',
    });
    fake.enqueue(
      completeScript('anthropic', { text: ['Sunny.'], usage: { input: 50, cached: 0, output: 2, reasoning: 0 } }),
    );
    const [reasoning, call] = first.output as unknown as [
      { id: string; encrypted_content: string },
      { call_id: string },
    ];
    await stack.client.responses.create({
      model: 'test/fake-claude',
      tools,
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'reasoning', id: reasoning.id, summary: [], encrypted_content: reasoning.encrypted_content },
        { type: 'function_call', call_id: call.call_id, name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
      ],
    });
    const assistant = (fake.received.at(-1)!.body['messages'] as { content: unknown[] }[])[1]!;
    expect(assistant.content[0]).toEqual(redacted);
  });

  it('an answer cut at max_output_tokens is incomplete, and so is its message (the stream: render-stream.test.ts)', async () => {
    const cut = { text: ['Once upon'], usage: { input: 10, cached: 0, output: 2, reasoning: 0 } };
    const lengthJson = completeScript('openai', cut);
    const body = lengthJson.kind === 'json' ? (lengthJson.body as { choices: { finish_reason: string }[] }) : undefined;
    body!.choices[0]!.finish_reason = 'length';
    fake.enqueue(lengthJson);
    const response = await stack.client.responses.create({
      model: 'test/fake-model',
      input: 'Story',
      max_output_tokens: 2,
    });
    expect([response.status, response.incomplete_details]).toEqual(['incomplete', { reason: 'max_output_tokens' }]);
    expect(response.output.map((item) => `${item.type} ${String((item as { status?: string }).status)}`)).toEqual([
      'message incomplete',
    ]);
    expect(validateSchema('Response', response)).toEqual([]);
  });

  it('an upstream cut after output: the text so far closed, then error and response.failed; charged for what was delivered', async () => {
    fake.enqueue({ kind: 'reset-mid-stream', frames: unfinishedStreamFrames('openai', ['Partial', ' answer'], 30) });
    const response = await fetch(`${stack.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', input: 'hi', stream: true, max_output_tokens: 50 }),
    });
    expect(response.status).toBe(200);
    const events = (await readSseData(response)).map((data) => JSON.parse(data) as Record<string, unknown>);
    for (const event of events) expect(validateSchema('ResponseStreamEvent', event)).toEqual([]);
    expect(events.map((event) => event['type'])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'error',
      'response.failed',
    ]);
    const failed = events.at(-1)!['response'] as { status: string; error: unknown; usage: Record<string, unknown> };
    expect([failed.status, failed.error]).toEqual([
      'failed',
      { code: 'server_error', message: expect.stringMatching(/.+/) as unknown },
    ]);
    expect(events.at(-2)).toMatchObject({ type: 'error', code: 'upstream_error' });
    const id = (events[0]!['response'] as { id: string }).id;
    const generation = await readGeneration(stack.gateway.url, stack.key, id);
    // No usage came (an OpenAI-compatible cut): the prompt is the gateway's estimate, the two delivered pieces counted.
    expect(generation).toMatchObject({
      ending: 'upstream_error_after_output',
      tokens_prompt: 8,
      tokens_completion: 2,
      usage_estimated: true,
    });
    expect(failed.usage).toMatchObject({ input_tokens: 8, output_tokens: 2 });
  });

  it('a custom (free-form) tool reaches an OpenAI-protocol upstream as a chat custom tool; its call streams back as custom_tool_call', async () => {
    const base = { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1_795_000_000, model: 'm' };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const patch = '*** Begin Patch\n*** End Patch';
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: '' } }] }),
        chunk({ tool_calls: [{ index: 0, custom: { input: patch.slice(0, 10) } }] }),
        chunk({ tool_calls: [{ index: 0, custom: { input: patch.slice(10) } }] }),
        chunk({}, 'tool_calls'),
        { ...base, choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 } },
      ]),
    });
    const format = { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' };
    const stream = stack.client.responses.stream({
      model: 'test/fake-model',
      input: 'Fix it.',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files', format }],
      tool_choice: { type: 'custom', name: 'apply_patch' },
    } as never);
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    for (const event of events) expect(validateSchema('ResponseStreamEvent', event)).toEqual([]);
    expect(fake.received.at(-1)!.body).toMatchObject({
      tools: [{ type: 'custom', custom: { name: 'apply_patch', description: 'Edit files', format } }],
      tool_choice: { type: 'custom', custom: { name: 'apply_patch' } },
    });
    expect(events.map((event) => event.type).slice(2)).toEqual([
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
    expect(completed.response.output).toEqual([
      {
        type: 'custom_tool_call',
        id: `ctc_${completed.response.id}_0`,
        call_id: 'call_p',
        name: 'apply_patch',
        input: patch,
      },
    ]);

    // The next turn sends the call and its output back: a chat custom tool call, then a tool message.
    fake.enqueue(
      completeScript('openai', { text: ['Patched.'], usage: { input: 60, cached: 0, output: 2, reasoning: 0 } }),
    );
    await stack.client.responses.create({
      model: 'test/fake-model',
      input: [
        { role: 'user', content: 'Fix it.' },
        { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: patch },
        { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done.' },
      ],
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files', format }],
    } as never);
    expect((fake.received.at(-1)!.body['messages'] as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: patch } }],
      },
      { role: 'tool', tool_call_id: 'call_p', content: 'Done.' },
    ]);
  });

  it('POST /v1/responses/input_tokens counts a Responses body as the Anthropic count_tokens counts the same prompt', async () => {
    const before = fake.received.length;
    const body = { model: 'test/fake-model', instructions: 'Be brief.', input: 'Hello there, how are you?' };
    const counted = await stack.client.responses.inputTokens.count(body);
    const anthropic = await fetch(`${stack.gateway.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/fake-model',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello there, how are you?' }],
      }),
    });
    const { input_tokens: expected } = (await anthropic.json()) as { input_tokens: number };
    expect(counted).toEqual({ object: 'response.input_tokens', input_tokens: expected });
    // The gateway's local estimate (o200k tokens of both texts plus its per-message overhead), exact.
    expect(expected).toBe(21);
    // `model` may be left out (OpenAI's spec): the same count; an unknown model is 404, as on the other routes.
    const { model: _model, ...withoutModel } = body;
    expect((await stack.client.responses.inputTokens.count(withoutModel)).input_tokens).toBe(expected);
    const unknown = await stack.client.responses.inputTokens
      .count({ ...body, model: 'nobody/nothing' })
      .catch((caught: unknown) => caught);
    expect([(unknown as APIError).status, (unknown as APIError).code]).toEqual([404, 'model_not_found']);
    expect(fake.received.length).toBe(before);
  });

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }],
    ['conversation', { conversation: 'conv_1' }],
    ['input[0].id', { input: [{ type: 'item_reference', id: 'msg_never_rendered_here' }] }],
    ['input[0].type', { input: [{ type: 'computer_call_output', call_id: 'c', output: {} }] }],
    ['input[0].content[0].type', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }],
    ['tool_choice', { tools, tool_choice: 'sometimes' }],
    ['text.format.type', { text: { format: { type: 'yaml' } } }],
  ])(
    'refuses %s with a 400 in OpenAI’s error shape, naming the field, before any upstream call',
    async (param, fields) => {
      const before = fake.received.length;
      const error = await stack.client.responses
        .create({ model: 'test/fake-model', input: 'hi', ...fields } as never)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(APIError);
      expect([(error as APIError).status, (error as APIError).code, (error as APIError).param]).toEqual([
        400,
        'invalid_request',
        param,
      ]);
      expect(fake.received.length).toBe(before);
    },
  );

  it('text.verbosity reaches an OpenAI-protocol upstream as Chat Completions’ verbosity; elsewhere it is named in a warning', async () => {
    const usage = { input: 10, cached: 0, output: 1, reasoning: 0 };
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    fake.enqueue(completeScript('anthropic', { text: ['ok'], usage }));
    const ask = (model: string) =>
      stack.client.responses.create({ model, input: 'hi', text: { verbosity: 'low' } }).withResponse();
    const { response: openai } = await ask('test/fake-model');
    expect([fake.received.at(-1)!.body['verbosity'], openai.headers.get('x-meridian-warnings')]).toEqual(['low', null]);
    const { response: anthropic } = await ask('test/fake-claude');
    expect(fake.received.at(-1)!.body['verbosity']).toBeUndefined();
    expect(JSON.parse(anthropic.headers.get('x-meridian-warnings')!)).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'verbosity',
        details: 'A parameter of the openai-chat protocol, which the Anthropic Messages API does not take.',
      },
    ]);
  });

  it("drops OpenAI's hosted tools with a warning and still serves the call with the function tools", async () => {
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: { input: 10, cached: 0, output: 1, reasoning: 0 } }));
    const { response: raw } = await stack.client.responses
      .create({ model: 'test/fake-model', input: 'hi', tools: [{ type: 'web_search' }, tools[0]!] } as never)
      .withResponse();
    expect(raw.headers.get('x-meridian-warnings')).toContain('tools[0]');
    expect(fake.received.at(-1)!.body['tools']).toEqual([
      { type: 'function', function: { name: 'weather', parameters: { type: 'object' }, strict: false } },
    ]);
  });
});

/** The two tool calls: both added, their argument deltas, then both closed (Gemini sends each call's arguments whole). */
function functionCallEvents(protocol: UpstreamProtocol): string[] {
  const deltas = protocol === 'gemini' ? [1, 1] : [2, 1];
  const added = 'response.output_item.added';
  const delta = 'response.function_call_arguments.delta';
  return [
    added,
    ...Array<string>(deltas[0]!).fill(delta),
    added,
    ...Array<string>(deltas[1]!).fill(delta),
    'response.function_call_arguments.done',
    'response.output_item.done',
    'response.function_call_arguments.done',
    'response.output_item.done',
  ];
}
