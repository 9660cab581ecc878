import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import { createResponseItemMemory } from '../item-memory.js';
import { parseRequest } from './parse-request.js';

const memory = createResponseItemMemory({ countMax: 10, bytesMax: 100_000, ttlMs: 60_000, now: () => 0 });
memory.remember('acme\nmsg_gen-1_0', [{ type: 'text', text: 'Earlier answer.' }]);

function parse(body: Record<string, unknown>, orgId: string | undefined = 'acme') {
  return parseRequest({ model: 'vendor/model', ...body }, undefined, { memory, orgId });
}

function paramOf(body: Record<string, unknown>, orgId: string | undefined = 'acme'): string | undefined {
  try {
    parse(body, orgId);
  } catch (error) {
    if (error instanceof GatewayError) return `${error.code} ${error.param ?? ''}`;
    throw error;
  }
  return undefined;
}

describe('parseRequest (OpenAI Responses)', () => {
  it('a string input is one user message, after the instructions as a system message', () => {
    expect(parse({ input: 'Hi', instructions: 'Be brief.' }).request.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    ]);
  });

  it('an assistant turn holds its text, reasoning and function calls in order; outputs become tool messages', () => {
    const { request } = parse({
      input: [
        { role: 'developer', content: 'Use tools.' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Go' },
            { type: 'input_image', image_url: 'data:image/png;base64,AA', detail: 'low' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'Plan.' }],
          encrypted_content: 'gemini:SIG',
        },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Calling.' }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'done' }] },
        { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'opaque-from-elsewhere' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Use tools.' }], isDeveloper: true },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Go' },
          { type: 'image', url: 'data:image/png;base64,AA', detail: 'low' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Plan.', signature: 'SIG', signatureProtocol: 'gemini' },
          { type: 'text', text: 'Calling.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'f', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'done' }] },
      // Encrypted content Meridian did not write carries no signature any upstream here could check.
      { role: 'assistant', content: [{ type: 'reasoning', text: '' }] },
    ]);
  });

  it('an item_reference to an item rendered here is that item; an unknown one is refused by its id', () => {
    expect(
      parse({
        input: [
          { role: 'user', content: 'Hi' },
          { type: 'item_reference', id: 'msg_gen-1_0' },
        ],
      }).request.messages,
    ).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Earlier answer.' }] },
    ]);
    expect(paramOf({ input: [{ type: 'item_reference', id: 'msg_gen-2_0' }] })).toBe('invalid_request input[0].id');
  });

  it('an item reference without its type (the spec makes it optional: null or absent) is an item_reference', () => {
    const earlier = [{ role: 'assistant', content: [{ type: 'text', text: 'Earlier answer.' }] }];
    expect(parse({ input: [{ id: 'msg_gen-1_0' }] }).request.messages).toEqual(earlier);
    expect(parse({ input: [{ type: null, id: 'msg_gen-1_0' }] }).request.messages).toEqual(earlier);
    expect(paramOf({ input: [{ id: 'msg_gen-2_0' }] })).toBe('invalid_request input[0].id');
  });

  it("another org's item, or any item when the org is not known, is unknown", () => {
    const input = [{ type: 'item_reference', id: 'msg_gen-1_0' }];
    expect(paramOf({ input }, 'other-org')).toBe('invalid_request input[0].id');
    expect(() => parseRequest({ model: 'vendor/model', input }, undefined, { memory, orgId: undefined })).toThrow(
      /item 'msg_gen-1_0' is not known here/,
    );
  });

  it('a tool choice naming a hosted tool is dropped with a warning, as the hosted tool is; the call keeps its function tools', () => {
    const { request, warnings } = parse({
      input: 'x',
      tools: [{ type: 'web_search' }, { type: 'function', name: 'f' }],
      tool_choice: { type: 'web_search_preview' },
    });
    expect([request.tools, request.toolChoice]).toEqual([[{ type: 'function', name: 'f' }], undefined]);
    expect(warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'tools[0]',
        details: "'web_search' tools run only inside OpenAI's service; dropped.",
      },
      {
        type: 'unsupported-setting',
        setting: 'tool_choice',
        details: "'web_search_preview' tools run only inside OpenAI's service; the choice of one was dropped.",
      },
    ]);
  });

  it('maps settings: max_output_tokens, text.format json_schema, reasoning effort, tool choice, sampling', () => {
    const { request, warnings } = parse({
      input: 'x',
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'high', summary: 'auto' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'file_search' }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      store: false,
      metadata: { run: '1' },
      models: ['a/b', 'c/d'],
      frobnicate: true,
    });
    expect(request).toMatchObject({
      maxOutputTokens: 100,
      temperature: 0.5,
      topP: 0.9,
      responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' }, strict: true },
      reasoning: { effort: 'high' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
      toolChoice: { type: 'tool', toolName: 'f' },
      parallelToolCalls: false,
      routingControls: { models: ['a/b', 'c/d'] },
      passthrough: { protocol: 'openai-chat', fields: {} },
    });
    expect(
      warnings.map((warning) => (warning.type === 'unsupported-setting' ? warning.setting : warning.type)),
    ).toEqual(['tools[1]', 'frobnicate']);
  });

  it('reasoning with a null effort (the spec allows it) is reasoning without an effort; its summary is noted', () => {
    expect(parse({ input: 'x', reasoning: { effort: null, summary: 'auto' } }).request.reasoning).toEqual({
      summary: true,
    });
    expect(parse({ input: 'x', reasoning: { effort: null } }).request.reasoning).toEqual({});
  });

  it.each([
    [{ input: [] }, 'invalid_request input'],
    [{ input: 42 }, 'invalid_request input'],
    [{ input: [{ role: 'tool', content: 'x' }] }, 'invalid_request input[0].role'],
    [{ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'invalid_request input[0].call_id'],
    [{ input: [{ type: 'function_call_output', call_id: 'c', output: 7 }] }, 'invalid_request input[0].output'],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image' }] }] },
      'invalid_request input[0].content[0].image_url',
    ],
    [{ input: 'x', previous_response_id: 'resp_1' }, 'invalid_request previous_response_id'],
    [{ input: 'x', background: true }, 'invalid_request background'],
    [{ input: 'x', max_output_tokens: 0 }, 'invalid_request max_output_tokens'],
    [{ input: 'x', tools: [{ type: 'function' }] }, 'invalid_request tools[0].name'],
    [{ input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, 'invalid_request text.format.schema'],
  ])('refuses %j (%s)', (body, expected) => {
    expect(paramOf(body)).toBe(expected);
  });
});
