import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message } from '../../../spec/index.js';
import { buildRequest } from './build-request.js';
import { createTestEndpoint, createTestRequest } from './test-support.js';

function build(overrides: Partial<ChatRequest>, endpointOverrides = {}) {
  const upstream = buildRequest(createTestRequest(overrides), createTestEndpoint(endpointOverrides));
  return { body: JSON.parse(String(upstream.body)) as Record<string, unknown>, warnings: upstream.warnings };
}

const hello: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }];
const helloWire = [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }];

describe('buildRequest', () => {
  it('posts to /messages with the version header, the upstream model and a default max_tokens', () => {
    const upstream = buildRequest(createTestRequest({ stream: true }), createTestEndpoint());
    expect({ ...upstream, body: JSON.parse(String(upstream.body)) as unknown }).toEqual({
      path: '/messages',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-test-model', max_tokens: 4096, messages: helloWire, stream: true },
      warnings: [],
    });
  });

  it.each([
    ['the request', { maxOutputTokens: 100 }, { maxOutputTokens: 900 }, 100],
    ['the endpoint', {}, { maxOutputTokens: 900 }, 900],
    ['the default', {}, {}, 4096],
  ] as const)('takes max_tokens from %s', (_source, request, endpoint, expected) => {
    expect(build(request, endpoint).body['max_tokens']).toBe(expected);
  });

  it('drops message names with one warning (Anthropic has none), merging the turns of two speakers', () => {
    const { body, warnings } = build({
      messages: [
        { role: 'system', name: 'rules', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', name: 'alice', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', name: 'bob', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', name: 'helper', content: [{ type: 'text', text: 'c' }] },
      ],
    });
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'messages[].name',
        details: 'Anthropic has no participant names; consecutive turns of one role are merged',
      },
    ]);
  });

  it('lifts system messages into system blocks (with cache_control) and converts text and image parts', () => {
    const { body, warnings } = build({
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral', ttl: '1h' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', cacheControl: { type: 'ephemeral' } },
            { type: 'image', url: 'https://example.com/cat.jpg', detail: 'high' },
            { type: 'image', url: 'ftp://example.com/dog.jpg' },
            {
              type: 'opaque',
              protocol: 'anthropic-messages',
              value: { type: 'document', source: { type: 'text', data: 'x' } },
            },
            { type: 'opaque', protocol: 'openai-chat', value: { type: 'input_audio' } },
          ],
        },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }], isDeveloper: true },
      ],
    });
    expect(body['system']).toEqual([
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
            cache_control: { type: 'ephemeral' },
          },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'document', source: { type: 'text', data: 'x' } },
        ],
      },
    ]);
    expect(warnings).toEqual([
      {
        type: 'other',
        message: 'Dropped an image whose URL is neither http(s) nor a base64 data: URL; Anthropic cannot take it.',
      },
      {
        type: 'other',
        message: 'Dropped a content part of the openai-chat protocol, which the Anthropic Messages API cannot take.',
      },
    ]);
  });

  it('sends tools, maps tool_choice and puts parallel-off inside it', () => {
    const { body, warnings } = build({
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: true,
          cacheControl: { type: 'ephemeral' },
        },
        { type: 'function', name: 'now' },
      ],
      toolChoice: { type: 'tool', toolName: 'get_weather' },
      parallelToolCalls: false,
    });
    expect({ tools: body['tools'], tool_choice: body['tool_choice'] }).toEqual({
      tools: [
        {
          name: 'get_weather',
          description: 'Weather by city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: true,
          cache_control: { type: 'ephemeral' },
        },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    [{ type: 'auto' }, undefined, { type: 'auto' }],
    [{ type: 'required' }, undefined, { type: 'any' }],
    [{ type: 'none' }, false, { type: 'none' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, true, undefined],
    [undefined, undefined, undefined],
  ] as const)('maps tool choice %j with parallelToolCalls %j', (toolChoice, parallelToolCalls, expected) => {
    const body = build({
      tools: [{ type: 'function', name: 'f' }],
      ...(toolChoice === undefined ? {} : { toolChoice }),
      ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
    }).body;
    expect(body['tool_choice']).toEqual(expected);
  });

  it('sends neither tools nor tool_choice when there are no tools', () => {
    const body = build({ tools: [], toolChoice: { type: 'required' }, parallelToolCalls: false }).body;
    expect([body['tools'], body['tool_choice']]).toEqual([undefined, undefined]);
  });

  it('turns tool messages into tool_result blocks merged with the next user turn, results first', () => {
    const { body, warnings } = build({
      messages: [
        ...hello,
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'unsigned, from DeepSeek' },
            { type: 'reasoning', text: 'signed', signature: 'sig-1' },
            { type: 'opaque', protocol: 'anthropic-messages', value: { type: 'redacted_thinking', data: 'enc' } },
            { type: 'text', text: '' },
            { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool-call', toolCallId: 'toolu_2', toolName: 'now', arguments: '' },
            { type: 'tool-call', toolCallId: 'toolu_3', toolName: 'broken', arguments: '{"city":' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
        {
          role: 'tool',
          toolCallId: 'toolu_2',
          content: [
            { type: 'text', text: '12:00' },
            { type: 'text', text: ' UTC' },
          ],
          isError: true,
        },
        { role: 'user', content: [{ type: 'text', text: 'and tomorrow?' }] },
        { role: 'tool', toolCallId: 'toolu_3', content: [], cacheControl: { type: 'ephemeral' } },
      ],
    });
    expect(body['messages']).toEqual([
      helloWire[0],
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'signed', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'enc' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} },
          { type: 'tool_use', id: 'toolu_3', name: 'broken', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            content: [
              { type: 'text', text: '12:00' },
              { type: 'text', text: ' UTC' },
            ],
            is_error: true,
          },
          { type: 'tool_result', tool_use_id: 'toolu_3', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'and tomorrow?' },
        ],
      },
    ]);
    expect(warnings).toEqual([
      {
        type: 'other',
        message: 'The arguments of tool call toolu_3 are not a JSON object; they were sent to Anthropic as {}.',
      },
    ]);
  });

  it('merges consecutive assistant turns and skips a turn left empty', () => {
    const body = build({
      messages: [
        ...hello,
        { role: 'assistant', content: [{ type: 'text', text: 'One.' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'no signature' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Two.' }] },
      ],
    }).body;
    expect(body['messages']).toEqual([
      helloWire[0],
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'One.' },
          { type: 'text', text: 'Two.' },
        ],
      },
    ]);
  });
});

describe('buildRequest thinking', () => {
  it.each([
    ['low', 4096, 1024],
    ['medium', 4096, 2048],
    ['high', 4096, 3276],
    ['xhigh', 4096, 3891],
    ['high', 20_000, 16_000],
  ] as const)('effort %s with max_tokens %i gives a budget of %i', (effort, maxOutputTokens, budget) => {
    const { body, warnings } = build({ reasoning: { effort }, maxOutputTokens });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(warnings).toEqual([]);
  });

  it('switches thinking on at the medium share when reasoning is asked for without an effort', () => {
    expect(build({ reasoning: {}, maxOutputTokens: 4096 }).body['thinking']).toEqual({
      type: 'enabled',
      budget_tokens: 2048,
    });
  });

  it('gives an effort at least the 1024-token minimum when max_tokens allows it', () => {
    expect(build({ reasoning: { effort: 'low' }, maxOutputTokens: 1100 }).body['thinking']).toEqual({
      type: 'enabled',
      budget_tokens: 1024,
    });
  });

  it('takes an explicit token budget over the effort', () => {
    const { body, warnings } = build({ reasoning: { effort: 'low', maxTokens: 3000 }, maxOutputTokens: 8000 });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 3000 });
    expect(warnings).toEqual([]);
  });

  it.each([
    [500, 8000, 1024],
    [9000, 8000, 7999],
  ] as const)('clamps a budget of %i under max_tokens %i to %i, with a warning', (maxTokens, maxOutputTokens, to) => {
    const { body, warnings } = build({ reasoning: { maxTokens }, maxOutputTokens });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: to });
    expect(warnings).toEqual([{ type: 'clamped-setting', setting: 'reasoning.max_tokens', from: maxTokens, to }]);
  });

  it('leaves thinking off when max_tokens cannot hold the minimum budget', () => {
    const { body, warnings } = build({ reasoning: { effort: 'high' }, maxOutputTokens: 1024 });
    expect(body['thinking']).toBeUndefined();
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'reasoning',
        details:
          "max_tokens 1024 leaves no room for Anthropic's 1024-token minimum thinking budget; thinking was left off.",
      },
    ]);
  });

  it('leaves thinking off when the tool choice is forced', () => {
    const { body, warnings } = build({
      reasoning: { effort: 'medium' },
      tools: [{ type: 'function', name: 'f' }],
      toolChoice: { type: 'required' },
    });
    expect(body['thinking']).toBeUndefined();
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'reasoning',
        details: 'Anthropic does not allow extended thinking with a forced tool choice; thinking was left off.',
      },
    ]);
  });

  it.each([
    ['none', { type: 'disabled' }],
    ['minimal', undefined],
  ] as const)('sends effort %s as %j', (effort, expected) => {
    expect(build({ reasoning: { effort } }).body['thinking']).toEqual(expected);
  });

  it('drops temperature ≠ 1, top_p < 0.95 and top_k while thinking, with warnings', () => {
    const { body, warnings } = build({
      reasoning: { maxTokens: 2000 },
      temperature: 0.2,
      topP: 0.5,
      topK: 40,
      passthrough: { protocol: 'anthropic-messages', fields: { service_tier: 'auto' } },
    });
    expect(body).toEqual({
      model: 'claude-test-model',
      max_tokens: 4096,
      messages: helloWire,
      thinking: { type: 'enabled', budget_tokens: 2000 },
      service_tier: 'auto',
    });
    expect(warnings.map((warning) => (warning.type === 'unsupported-setting' ? warning.setting : warning))).toEqual([
      'temperature',
      'top_p',
      'top_k',
    ]);
  });

  it('keeps temperature 1 and top_p 0.95 while thinking', () => {
    const { body, warnings } = build({ reasoning: { effort: 'low' }, temperature: 1, topP: 0.95 });
    expect([body['temperature'], body['top_p'], warnings]).toEqual([1, 0.95, []]);
  });
});

describe('buildRequest settings', () => {
  it('maps stop, temperature, top_p, top_k and user, clamping temperature to 1', () => {
    const { body, warnings } = build({ stop: ['END'], temperature: 1.5, topP: 0.9, topK: 40, user: 'user-42' });
    expect(body).toEqual({
      model: 'claude-test-model',
      max_tokens: 4096,
      messages: helloWire,
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: 'user-42' },
    });
    expect(warnings).toEqual([{ type: 'clamped-setting', setting: 'temperature', from: 1.5, to: 1 }]);
  });

  it('warns about seed, n > 1 and penalties, and sends none of them', () => {
    const { body, warnings } = build({ seed: 7, n: 2, presencePenalty: 0.5, frequencyPenalty: 0.1 });
    expect(body).toEqual({ model: 'claude-test-model', max_tokens: 4096, messages: helloWire });
    expect(warnings).toEqual(
      ['seed', 'n', 'presence_penalty', 'frequency_penalty'].map((setting) => ({
        type: 'unsupported-setting',
        setting,
        details: 'The Anthropic Messages API has no such setting.',
      })),
    );
  });

  it('accepts n = 1 without a warning', () => {
    expect(build({ n: 1 }).warnings).toEqual([]);
  });

  it('maps a JSON schema response format to output_config.format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    const { body, warnings } = build({
      responseFormat: { type: 'json-schema', name: 'answer', schema, strict: true },
      passthrough: { protocol: 'anthropic-messages', fields: { output_config: { effort: 'low' } } },
    });
    expect(body['output_config']).toEqual({ format: { type: 'json_schema', schema }, effort: 'low' });
    expect(warnings).toEqual([]);
  });

  it('warns about JSON mode without a schema and sends nothing for it', () => {
    const { body, warnings } = build({ responseFormat: { type: 'json-object' } });
    expect(body['output_config']).toBeUndefined();
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'response_format',
        details: 'Anthropic has no JSON mode without a schema; the request was sent without it.',
      },
    ]);
  });

  it('copies Anthropic passthrough fields except protected ones, merging metadata', () => {
    const { body, warnings } = build({
      user: 'user-42',
      passthrough: {
        protocol: 'anthropic-messages',
        fields: {
          metadata: { user_id: 'client-id' },
          container: 'container_1',
          context_management: { edits: [] },
          model: 'other-model',
          max_tokens: 1,
          system: 'hijack',
          stream: true,
          thinking: { type: 'enabled', budget_tokens: 2048 },
        },
      },
    });
    expect(body).toEqual({
      model: 'claude-test-model',
      max_tokens: 4096,
      messages: helloWire,
      metadata: { user_id: 'client-id' },
      container: 'container_1',
      context_management: { edits: [] },
    });
    expect(warnings).toEqual([]);
  });

  it('drops another dialect’s passthrough fields with one warning each', () => {
    const { body, warnings } = build({
      passthrough: { protocol: 'openai-chat', fields: { logprobs: true, store: false } },
    });
    expect(body).toEqual({ model: 'claude-test-model', max_tokens: 4096, messages: helloWire });
    expect(warnings).toEqual(
      ['logprobs', 'store'].map((setting) => ({
        type: 'unsupported-setting',
        setting,
        details: 'A parameter of the openai-chat protocol, which the Anthropic Messages API does not take.',
      })),
    );
  });
});

describe('buildRequest: what an Anthropic client sent, forwarded as sent', () => {
  it("sends the client's anthropic-beta header, and no other protocol's headers", () => {
    const beta = { 'anthropic-beta': 'context-1m-2025-08-07,files-api-2025-04-14' };
    const request = (protocol: 'anthropic-messages' | 'openai-chat') =>
      createTestRequest({ passthrough: { protocol, fields: {}, headers: beta } });
    expect(buildRequest(request('anthropic-messages'), createTestEndpoint()).headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'context-1m-2025-08-07,files-api-2025-04-14',
    });
    expect(buildRequest(request('openai-chat'), createTestEndpoint()).headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    });
  });

  it('sends thinking {type: adaptive} unchanged, and treats it as thinking for sampling', () => {
    const { body, warnings } = build({
      maxOutputTokens: 32_000,
      temperature: 0.5,
      reasoning: { effort: 'medium', native: { protocol: 'anthropic-messages', value: { type: 'adaptive' } } },
    });
    expect(body['thinking']).toEqual({ type: 'adaptive' });
    expect(body['temperature']).toBeUndefined();
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'temperature',
        details: 'Anthropic fixes temperature at 1 while thinking.',
      },
    ]);
  });

  it('sends server tools, versioned tools and extra tool fields unchanged; drops other protocols’ tools', () => {
    const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
    const { body, warnings } = build({
      tools: [
        { type: 'opaque', protocol: 'anthropic-messages', value: search },
        {
          type: 'function',
          name: 'bash',
          parameters: { type: 'object' },
          cacheControl: { type: 'ephemeral' },
          passthrough: {
            protocol: 'anthropic-messages',
            fields: { defer_loading: true, input_examples: [{ cmd: 'ls' }], eager_input_streaming: true },
          },
        },
        { type: 'opaque', protocol: 'gemini', value: { googleSearch: {} } },
      ],
    });
    expect(body['tools']).toEqual([
      search,
      {
        defer_loading: true,
        input_examples: [{ cmd: 'ls' }],
        eager_input_streaming: true,
        name: 'bash',
        input_schema: { type: 'object' },
        cache_control: { type: 'ephemeral' },
      },
    ]);
    expect(warnings).toEqual([
      {
        type: 'other',
        message: 'Dropped a tool of the gemini protocol, which the Anthropic Messages API cannot take.',
      },
    ]);
  });

  it('sends a tool result with images as the client wrote it', () => {
    const content = [
      { type: 'text', text: 'here' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
    ];
    const { body } = build({
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'shot', arguments: '{}' }] },
        {
          role: 'tool',
          toolCallId: 't1',
          content: [{ type: 'text', text: 'here' }],
          opaqueContent: { type: 'opaque', protocol: 'anthropic-messages', value: content },
        },
      ],
    });
    expect((body['messages'] as unknown[])[1]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 't1', content }],
    });
  });
});
