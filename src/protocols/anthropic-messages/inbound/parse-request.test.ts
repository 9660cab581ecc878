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

  it('maps tools, tool_choice with parallel use disabled, stop sequences, thinking and metadata', () => {
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
      provider: { order: ['deepseek'] },
    });
    expect(request.tools).toEqual([
      { type: 'function', name: 'f', description: 'd', parameters: { type: 'object', properties: {} } },
    ]);
    expect(warnings).toEqual([
      { type: 'unsupported-setting', setting: 'tools[1]', details: 'server tool "web_search_20250305" dropped' },
    ]);
    expect(request.toolChoice).toEqual({ type: 'required' });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.stop).toEqual(['END']);
    expect(request.reasoning).toEqual({ maxTokens: 2048 });
    expect(request.user).toBe('u-1');
    expect(request.stream).toBe(true);
    expect(request.passthrough).toEqual({ protocol: 'anthropic-messages', fields: { top_k: 5 } });
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

  it('names the field at fault', () => {
    expectInvalid({ messages: [] }, 'messages');
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
