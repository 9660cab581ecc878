import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import { parseRequest } from './parse-request.js';

const hello = [{ role: 'user', content: 'hi' }];
const customTool = {
  type: 'custom',
  custom: {
    name: 'c',
    description: 'Runs code',
    format: { type: 'grammar', grammar: { syntax: 'lark', definition: 'x' } },
  },
};
const allowedTools = {
  type: 'allowed_tools',
  allowed_tools: {
    mode: 'required',
    tools: [
      { type: 'function', function: { name: 'f' } },
      { type: 'custom', custom: { name: 'c' } },
    ],
  },
};

function parseParam(body: Record<string, unknown>): string | undefined {
  try {
    parseRequest({ model: 'a/b', messages: hello, ...body });
  } catch (error) {
    return error instanceof GatewayError && error.code === 'invalid_request' ? error.param : 'not invalid_request';
  }
  return undefined;
}

describe('parseRequest: tools and tool_choice of every shape in the OpenAPI spec', () => {
  it('keeps function tools canonical and other tool types (custom, a vendor’s own) opaque, in order', () => {
    const vendorTool = { type: 'builtin_function', function: { name: '$web_search' } };
    const { request } = parseRequest({
      model: 'a/b',
      messages: hello,
      tools: [customTool, { type: 'function', function: { name: 'f', parameters: { type: 'object' } } }, vendorTool],
    });
    expect(request.tools).toEqual([
      { type: 'opaque', protocol: 'openai-chat', value: customTool },
      { type: 'function', name: 'f', parameters: { type: 'object' } },
      { type: 'opaque', protocol: 'openai-chat', value: vendorTool },
    ]);
  });

  it('reads allowed_tools as its names and mode, keeping the object as the client wrote it', () => {
    const { request } = parseRequest({ model: 'a/b', messages: hello, tool_choice: allowedTools });
    expect(request.toolChoice).toEqual({
      type: 'allowed-tools',
      mode: 'required',
      toolNames: ['f', 'c'],
      native: { protocol: 'openai-chat', value: allowedTools },
    });
  });

  it('reads the flat names of the Responses API’s allowed_tools too', () => {
    const choice = { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', name: 'f' }] } };
    const { request } = parseRequest({ model: 'a/b', messages: hello, tool_choice: choice });
    expect(request.toolChoice).toMatchObject({ type: 'allowed-tools', mode: 'auto', toolNames: ['f'] });
  });

  it('keeps a custom-tool choice opaque and a function choice canonical', () => {
    const custom = { type: 'custom', custom: { name: 'c' } };
    expect(parseRequest({ model: 'a/b', messages: hello, tool_choice: custom }).request.toolChoice).toEqual({
      type: 'opaque',
      protocol: 'openai-chat',
      value: custom,
    });
    const named = { type: 'function', function: { name: 'f' } };
    expect(parseRequest({ model: 'a/b', messages: hello, tool_choice: named }).request.toolChoice).toEqual({
      type: 'tool',
      toolName: 'f',
    });
  });

  it('reads a custom tool’s call in an assistant turn, its input as free-form arguments', () => {
    const { request } = parseRequest({
      model: 'a/b',
      messages: [
        ...hello,
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'c', input: 'print(1)' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '1' },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'c', arguments: 'print(1)', isCustom: true }],
    });
  });

  it.each([
    ['a tool without a type', { tools: [{ function: { name: 'f' } }] }, 'tools[0].type'],
    ['a custom tool without a name', { tools: [{ type: 'custom', custom: {} }] }, 'tools[0].custom.name'],
    ['a function choice without a name', { tool_choice: { type: 'function' } }, 'tool_choice.function.name'],
    ['a custom choice without a name', { tool_choice: { type: 'custom', custom: {} } }, 'tool_choice.custom.name'],
    ['a choice without a type', { tool_choice: { function: { name: 'f' } } }, 'tool_choice'],
    [
      'allowed_tools with mode none',
      { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'none', tools: [] } } },
      'tool_choice.allowed_tools.mode',
    ],
    [
      'allowed_tools without tools',
      { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto' } } },
      'tool_choice.allowed_tools.tools',
    ],
    [
      'an allowed tool without a name',
      { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function' }] } } },
      'tool_choice.allowed_tools.tools[0].function.name',
    ],
    [
      'a custom call without a name',
      { messages: [{ role: 'assistant', tool_calls: [{ id: 'x', type: 'custom', custom: { input: '' } }] }] },
      'messages[0].tool_calls[0].custom.name',
    ],
  ])('%s → invalid_request, param %s', (_name, body, param) => {
    expect(parseParam(body)).toBe(param);
  });
});
