import { describe, expect, it } from 'vitest';
import { parseRequest as anthropicParse } from '../../anthropic-messages/inbound/parse-request.js';
import { parseRequest } from '../inbound/parse-request.js';
import { createTestEndpoint } from '../test-support.js';
import { buildRequest } from './build-request.js';

function build(body: Record<string, unknown>, dialect = {}) {
  const upstream = buildRequest(parseRequest({ model: 'a/b', ...body }).request, createTestEndpoint(dialect));
  return { path: upstream.path, body: JSON.parse(String(upstream.body)) as Record<string, unknown> };
}

const hello = [{ role: 'user', content: 'hello' }];

describe('buildRequest', () => {
  it('always asks for usage on streams, even when the client did not', () => {
    expect(build({ messages: hello, stream: true })).toEqual({
      path: '/chat/completions',
      body: { model: 'upstream-model', messages: hello, stream: true, stream_options: { include_usage: true } },
    });
  });

  it('omits stream_options for an upstream that rejects it', () => {
    expect(
      build({ messages: hello, stream: true }, { sendsStreamOptions: false }).body['stream_options'],
    ).toBeUndefined();
  });

  it.each([
    ['max_tokens', { max_tokens: 50 }, { max_tokens: 50 }],
    ['max_completion_tokens', { max_tokens: 50 }, { max_completion_tokens: 50 }],
    ['max_tokens', { max_completion_tokens: 70 }, { max_tokens: 70 }],
  ] as const)('sends the output cap as the dialect field %s', (field, input, expected) => {
    const body = build({ messages: hello, ...input }, { maxTokensField: field }).body;
    expect({ max_tokens: body['max_tokens'], max_completion_tokens: body['max_completion_tokens'] }).toEqual({
      max_tokens: undefined,
      max_completion_tokens: undefined,
      ...expected,
    });
  });

  it('sends reasoning back on assistant tool turns under the dialect field (DeepSeek / Kimi thinking mode)', () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Need the tool.',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ];
    expect(build({ messages }).body['messages']).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Need the tool.',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ]);
    expect(
      (build({ messages }, { reasoningField: 'reasoning' }).body['messages'] as Record<string, unknown>[])[1]![
        'reasoning'
      ],
    ).toBe('Need the tool.');
  });

  it('passes unknown fields through but never lets them override what the gateway owns', () => {
    const body = build({
      messages: hello,
      stream: false,
      top_k: 20,
      logit_bias: { '1': 2 },
      stream_options: { include_usage: false },
    }).body;
    expect(body).toEqual({
      model: 'upstream-model',
      messages: hello,
      stream: false,
      top_k: 20,
      logit_bias: { '1': 2 },
    });
  });

  it("sends a client's top_k of another protocol only to a vendor that takes it, with a warning elsewhere", () => {
    const request = { ...anthropicParse({ model: 'a/b', max_tokens: 10, messages: hello, top_k: 40 }).request };
    const accepted = buildRequest(request, createTestEndpoint({ sendsTopK: true }));
    expect(JSON.parse(String(accepted.body))).toEqual({
      model: 'upstream-model',
      messages: hello,
      stream: false,
      max_tokens: 10,
      top_k: 40,
    });
    expect(accepted.warnings).toBeUndefined();
    const refused = buildRequest(request, createTestEndpoint());
    expect(JSON.parse(String(refused.body))).toEqual({
      model: 'upstream-model',
      messages: hello,
      stream: false,
      max_tokens: 10,
    });
    expect(refused.warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'top_k',
        details: 'this OpenAI-compatible upstream takes no top_k (catalog openai.top_k)',
      },
    ]);
  });

  describe('prompt-cache markers', () => {
    const marked = { type: 'ephemeral', ttl: '1h' };
    const anthropicBody = {
      model: 'a/b',
      max_tokens: 10,
      system: [
        { type: 'text', text: 'rules', cache_control: marked },
        { type: 'text', text: 'more' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: marked },
            { type: 'text', text: 'look', cache_control: { type: 'ephemeral' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'r' }], cache_control: marked },
            { type: 'text', text: 'next' },
          ],
        },
      ],
    };

    function messagesFor(sendsCacheControl: boolean): unknown {
      const request = anthropicParse(anthropicBody).request;
      const upstream = buildRequest(request, createTestEndpoint({ sendsCacheControl }));
      return (JSON.parse(String(upstream.body)) as Record<string, unknown>)['messages'];
    }

    const toolCall = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    };

    it("go on the content parts of a vendor that takes them (DashScope's explicit cache), type only", () => {
      const ephemeral = { type: 'ephemeral' };
      expect(messagesFor(true)).toEqual([
        {
          role: 'system',
          content: [
            { type: 'text', text: 'rules', cache_control: ephemeral },
            { type: 'text', text: 'more' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' }, cache_control: ephemeral },
            { type: 'text', text: 'look', cache_control: ephemeral },
          ],
        },
        toolCall,
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'r', cache_control: ephemeral }] },
        { role: 'user', content: 'next' },
      ]);
    });

    it('are not sent to other vendors', () => {
      expect(messagesFor(false)).toEqual([
        { role: 'system', content: 'rules\nmore' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            { type: 'text', text: 'look' },
          ],
        },
        toolCall,
        { role: 'tool', tool_call_id: 't1', content: 'r' },
        { role: 'user', content: 'next' },
      ]);
    });
  });

  it.each([
    ['reasoning_effort', { reasoning_effort: 'high' }, { reasoning_effort: 'high' }],
    ['reasoning_effort', { enable_thinking: true }, {}],
    ['enable_thinking', { reasoning_effort: 'high' }, { enable_thinking: true }],
    [
      'enable_thinking',
      { enable_thinking: true, thinking_budget: 500 },
      { enable_thinking: true, thinking_budget: 500 },
    ],
    ['enable_thinking', { reasoning_effort: 'none' }, { enable_thinking: false }],
    ['thinking_type', { enable_thinking: false }, { thinking: { type: 'disabled' } }],
    ['thinking_type', { reasoning: { effort: 'low' } }, { thinking: { type: 'enabled' } }],
  ] as const)('switches reasoning with the %s control: %j → %j', (control, fields, expected) => {
    const body = build({ messages: hello, ...fields }, { thinkingControl: control }).body;
    const { model: _model, messages: _messages, stream: _stream, ...rest } = body;
    expect(rest).toEqual(expected);
  });

  it('keeps routing controls away from the upstream', () => {
    const body = build({ messages: hello, models: ['x/y'], provider: { order: ['p'] }, route: 'fallback' }).body;
    expect(Object.keys(body)).toEqual(['model', 'messages', 'stream']);
  });

  it('sends a custom tool’s call back as type custom with its input', () => {
    const body = build({
      messages: [
        ...hello,
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'c', input: 'print(1)' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '1' },
      ],
      tools: [{ type: 'custom', custom: { name: 'c' } }],
    }).body;
    expect(body['messages']).toEqual([
      { role: 'user', content: 'hello' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'c', input: 'print(1)' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '1' },
    ]);
    expect(body['tools']).toEqual([{ type: 'custom', custom: { name: 'c' } }]);
  });

  it('converts images, developer messages, tool choice and json_schema', () => {
    const body = build({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
      ],
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'high',
    }).body;
    expect(body).toEqual({
      model: 'upstream-model',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
      ],
      stream: false,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'high',
    });
  });
});
