import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import { parseRequest } from './parse-request.js';

const hello = [{ role: 'user', content: 'hi' }];

describe('parseRequest: invalid bodies name the field', () => {
  it.each([
    ['not an object', [], 'body'],
    ['missing model', { messages: hello }, 'model'],
    ['empty model', { model: ' ', messages: hello }, 'model'],
    ['missing messages', { model: 'a/b' }, 'messages'],
    ['empty messages', { model: 'a/b', messages: [] }, 'messages'],
    ['message not an object', { model: 'a/b', messages: ['hi'] }, 'messages[0]'],
    ['unknown role', { model: 'a/b', messages: [{ role: 'bot', content: 'x' }] }, 'messages[0].role'],
    ['bad user content', { model: 'a/b', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [
      'image without url',
      { model: 'a/b', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages[0].content[0].image_url.url',
    ],
    [
      'tool message without id',
      { model: 'a/b', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
    ],
    [
      'tool call without name',
      { model: 'a/b', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: {} }] }] },
      'messages[0].tool_calls[0].function.name',
    ],
    ['stream not boolean', { model: 'a/b', messages: hello, stream: 'yes' }, 'stream'],
    ['temperature too high', { model: 'a/b', messages: hello, temperature: 2.5 }, 'temperature'],
    ['top_p out of range', { model: 'a/b', messages: hello, top_p: -0.1 }, 'top_p'],
    ['fractional max_tokens', { model: 'a/b', messages: hello, max_tokens: 1.5 }, 'max_tokens'],
    ['huge max_tokens', { model: 'a/b', messages: hello, max_tokens: 10_000_000 }, 'max_tokens'],
    ['n too large', { model: 'a/b', messages: hello, n: 100 }, 'n'],
    ['bad stop', { model: 'a/b', messages: hello, stop: [1] }, 'stop'],
    [
      'bad tools',
      { model: 'a/b', messages: hello, tools: [{ type: 'function', function: {} }] },
      'tools[0].function.name',
    ],
    ['bad tool_choice', { model: 'a/b', messages: hello, tool_choice: 'sometimes' }, 'tool_choice'],
    [
      'bad response_format',
      { model: 'a/b', messages: hello, response_format: { type: 'xml' } },
      'response_format.type',
    ],
    ['bad reasoning effort', { model: 'a/b', messages: hello, reasoning_effort: 'max' }, 'reasoning_effort'],
  ])('%s → invalid_request, param %s', (_name, body, param) => {
    let caught: unknown;
    try {
      parseRequest(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect({
      code: (caught as GatewayError).code,
      param: (caught as GatewayError).param,
      status: (caught as GatewayError).status,
    }).toEqual({
      code: 'invalid_request',
      param,
      status: 400,
    });
  });
});

describe('parseRequest: valid bodies', () => {
  it('maps the modelled fields and keeps the rest for passthrough and routing', () => {
    const { request, warnings } = parseRequest({
      model: 'deepseek/deepseek-v3.2:floor',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi', name: 'ann' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      max_completion_tokens: 200,
      temperature: 0,
      stop: 'END',
      reasoning: { effort: 'low', exclude: true },
      models: ['a/b'],
      provider: { sort: 'price' },
      top_k: 3,
    });
    expect(request).toEqual({
      model: 'deepseek/deepseek-v3.2:floor',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'sys' }] },
        { role: 'user', content: [{ type: 'text', text: 'hi' }], name: 'ann' },
      ],
      stream: true,
      includeUsage: true,
      maxOutputTokens: 200,
      temperature: 0,
      topK: 3,
      stop: ['END'],
      reasoning: { effort: 'low', exclude: true },
      routingControls: { models: ['a/b'], provider: { sort: 'price' } },
      passthrough: { protocol: 'openai-chat', fields: {} },
    });
    expect(warnings).toEqual([
      { type: 'other', message: 'max_tokens (100) ignored: max_completion_tokens (200) wins.' },
    ]);
  });

  it.each([
    ['a positive integer is the canonical top-k', 40, { topK: 40, fields: {} }],
    ['-1 (vLLM: no limit) passes through as written', -1, { topK: undefined, fields: { top_k: -1 } }],
    ['0 (no limit) passes through as written', 0, { topK: undefined, fields: { top_k: 0 } }],
    ['a fraction passes through as written', 2.5, { topK: undefined, fields: { top_k: 2.5 } }],
    ['a string passes through as written', '40', { topK: undefined, fields: { top_k: '40' } }],
  ])('top_k: %s', (_name, topK, expected) => {
    const { request } = parseRequest({ model: 'a/b', messages: hello, top_k: topK });
    expect({ topK: request.topK, fields: request.passthrough.fields }).toEqual(expected);
  });

  it('includeUsage is false unless the client asked', () => {
    expect(parseRequest({ model: 'a/b', messages: hello, stream: true }).request.includeUsage).toBe(false);
  });

  it('keeps unknown content parts as opaque parts', () => {
    const part = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
    const { request } = parseRequest({ model: 'a/b', messages: [{ role: 'user', content: [part] }] });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'opaque', protocol: 'openai-chat', value: part }],
    });
  });
});
