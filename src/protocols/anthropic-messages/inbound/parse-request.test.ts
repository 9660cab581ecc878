import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import { parseRequest } from './parse-request.js';

function parse(body: Record<string, unknown>) {
  return parseRequest({ model: 'deepseek/deepseek-chat', max_tokens: 100, ...body });
}

function expectInvalid(body: Record<string, unknown>, param: string): void {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).param).toBe(param);
    return;
  }
  throw new Error(`expected invalid ${param}`);
}

describe('parseRequest (Anthropic Messages)', () => {
  it('maps system, text, images, thinking with signatures, tool use and tool results in order', () => {
    const { request, warnings } = parse({
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'plan', signature: 'sig-1' },
            { type: 'thinking', thinking: 'unsigned', signature: '' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }], is_error: false },
            { type: 'text', text: 'and now?' },
          ],
        },
      ],
    });
    expect(warnings).toEqual([]);
    expect(request.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral' } }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', url: 'data:image/png;base64,iVBO' },
          { type: 'image', url: 'https://example.com/a.jpg' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'plan', signature: 'sig-1' },
          { type: 'reasoning', text: 'unsigned' },
          { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', content: [{ type: 'text', text: '18C' }] },
      { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
    ]);
    expect(request.maxOutputTokens).toBe(100);
    expect(request.includeUsage).toBe(false);
  });

  it('maps tools, tool_choice with parallel use disabled, stop sequences, thinking, top_k and metadata', () => {
    const { request, warnings } = parse({
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { name: 'f', description: 'd', input_schema: { type: 'object', properties: {} } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u-1' },
      top_k: 5,
      service_tier: 'auto',
      provider: { order: ['deepseek'] },
    });
    expect(request.tools).toEqual([
      { type: 'function', name: 'f', description: 'd', parameters: { type: 'object', properties: {} } },
      { type: 'opaque', protocol: 'anthropic-messages', value: { type: 'web_search_20250305', name: 'web_search' } },
    ]);
    expect(warnings).toEqual([]);
    expect(request.toolChoice).toEqual({ type: 'required' });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.stop).toEqual(['END']);
    expect(request.reasoning).toEqual({ maxTokens: 2048 });
    expect(request.user).toBe('u-1');
    expect(request.stream).toBe(true);
    expect(request.topK).toBe(5);
    expect(request.passthrough).toEqual({ protocol: 'anthropic-messages', fields: { service_tier: 'auto' } });
    expect(request.routingControls).toEqual({ provider: { order: ['deepseek'] } });
  });

  it("accepts OpenRouter's unified reasoning object and thinking disabled", () => {
    expect(
      parse({ messages: [{ role: 'user', content: 'x' }], reasoning: { effort: 'high' } }).request.reasoning,
    ).toEqual({ effort: 'high' });
    expect(
      parse({ messages: [{ role: 'user', content: 'x' }], thinking: { type: 'disabled' } }).request.reasoning,
    ).toEqual({ effort: 'none' });
  });

  it('maps structured outputs (output_config.format or beta output_format) and keeps the rest of output_config', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const current = parse({
      messages: [{ role: 'user', content: 'x' }],
      output_config: { format: { type: 'json_schema', schema }, effort: 'low' },
    }).request;
    expect(current.responseFormat).toEqual({ type: 'json-schema', name: 'response', schema });
    expect(current.passthrough.fields).toEqual({ output_config: { effort: 'low' } });
    const beta = parse({ messages: [{ role: 'user', content: 'x' }], output_format: { type: 'json_schema', schema } });
    expect(beta.request.responseFormat).toEqual({ type: 'json-schema', name: 'response', schema });
    expect(beta.request.passthrough.fields).toEqual({});
    expectInvalid(
      { messages: [{ role: 'user', content: 'x' }], output_config: { format: { type: 'xml' } } },
      'output_config.format',
    );
  });

  it('keeps thinking {type: adaptive} as sent for Anthropic upstreams, medium effort for others', () => {
    const thinking = { type: 'adaptive', display: 'summarized' };
    expect(parse({ messages: [{ role: 'user', content: 'x' }], thinking }).request.reasoning).toEqual({
      effort: 'medium',
      native: { protocol: 'anthropic-messages', value: { type: 'adaptive', display: 'summarized' } },
    });
  });

  it("keeps server tools, versioned tools and a client tool's extra fields as the client sent them", () => {
    const editor = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool', max_characters: 10_000 };
    const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
    const { request } = parse({
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        search,
        editor,
        {
          name: 'bash',
          input_schema: { type: 'object' },
          cache_control: { type: 'ephemeral', ttl: '1h' },
          defer_loading: true,
          input_examples: [{ cmd: 'ls' }],
          eager_input_streaming: true,
        },
      ],
    });
    expect(request.tools).toEqual([
      { type: 'opaque', protocol: 'anthropic-messages', value: search },
      { type: 'opaque', protocol: 'anthropic-messages', value: editor },
      {
        type: 'function',
        name: 'bash',
        parameters: { type: 'object' },
        cacheControl: { type: 'ephemeral', ttl: '1h' },
        passthrough: {
          protocol: 'anthropic-messages',
          fields: { defer_loading: true, input_examples: [{ cmd: 'ls' }], eager_input_streaming: true },
        },
      },
    ]);
  });

  it('keeps a tool result with images whole for Anthropic upstreams, and its text for the others', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } };
    const content = [{ type: 'text', text: 'here' }, image, { type: 'text', text: 'and more' }];
    const { request, warnings } = parse({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'shot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content }] },
      ],
    });
    expect(warnings).toEqual([]);
    expect(request.messages[1]).toEqual({
      role: 'tool',
      toolCallId: 'toolu_1',
      content: [
        { type: 'text', text: 'here' },
        { type: 'text', text: 'and more' },
      ],
      opaqueContent: { type: 'opaque', protocol: 'anthropic-messages', value: content },
    });
    expectInvalid(
      { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: ['x'] }] }] },
      'messages[0].content[0].content[0].type',
    );
  });

  it('keeps the anthropic-beta header (every copy, comma-joined) for Anthropic upstreams, bounded', () => {
    const body = { model: 'a/b', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const beta = (value: string | string[]) => parseRequest(body, undefined, { 'anthropic-beta': value }).request;
    expect(
      beta(['context-1m-2025-08-07, interleaved-thinking-2025-05-14', 'files-api-2025-04-14']).passthrough,
    ).toEqual({
      protocol: 'anthropic-messages',
      fields: {},
      headers: { 'anthropic-beta': 'context-1m-2025-08-07,interleaved-thinking-2025-05-14,files-api-2025-04-14' },
    });
    expect(beta(' , ').passthrough.headers).toBeUndefined();
    expect(parseRequest(body, undefined, {}).request.passthrough.headers).toBeUndefined();
    expect(() => beta('a'.repeat(4096))).not.toThrow();
    for (const value of ['a'.repeat(4097), 'bad beta', 'x;y']) {
      expect(() => beta(value)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'anthropic-beta' }));
    }
  });

  it('names the field at fault', () => {
    expectInvalid({ messages: [] }, 'messages');
    expectInvalid({ messages: [{ role: 'user', content: 'x' }], top_k: -1 }, 'top_k');
    expectInvalid({ messages: [{ role: 'user', content: 'x' }], top_k: 2.5 }, 'top_k');
    expectInvalid({ messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role');
    expectInvalid({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages[0].content[0].text');
    expectInvalid(
      { messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: 'x' }] }] },
      'messages[0].content[0].input',
    );
    expectInvalid({ messages: [{ role: 'user', content: 'x' }], temperature: 1.5 }, 'temperature');
    expectInvalid({ messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'tool' } }, 'tool_choice.name');
    expectInvalid(
      { messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled' } },
      'thinking.budget_tokens',
    );
    expectInvalid({ messages: [{ role: 'user', content: 'x' }], stop_sequences: 'END' }, 'stop_sequences');
  });
});
