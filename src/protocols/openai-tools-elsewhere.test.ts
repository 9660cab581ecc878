import { describe, expect, it } from 'vitest';
import type { ProtocolId } from '../spec/index.js';
import type { OutboundAdapter } from './adapter-types.js';
import { anthropicMessagesOutbound } from './anthropic-messages/index.js';
import { geminiOutbound } from './gemini/index.js';
import { openaiChatInbound, openaiChatOutbound } from './openai-chat/index.js';
import { createBaseTestEndpoint } from './shared/adapter-test-support.js';

/**
 * OpenAI's current tool shapes (custom tools, `allowed_tools`, a custom-tool choice): sent as written to
 * OpenAI-compatible upstreams; Anthropic and Gemini get the allowed function tools with `required`/`auto`, and what
 * they cannot take dropped with a warning.
 */
const customTool = { type: 'custom', custom: { name: 'c', format: { type: 'text' } } };
const toolF = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } };
const toolG = { type: 'function', function: { name: 'g' } };
const allowedTools = {
  type: 'allowed_tools',
  allowed_tools: {
    mode: 'required',
    tools: [
      { type: 'custom', custom: { name: 'c' } },
      { type: 'function', function: { name: 'f' } },
    ],
  },
};

function send(adapter: OutboundAdapter, protocol: ProtocolId, extra: Record<string, unknown>) {
  const { request } = openaiChatInbound.parseRequest({
    model: 'a/b',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [customTool, toolG, toolF],
    ...extra,
  });
  const sent = adapter.buildRequest(request, createBaseTestEndpoint({ protocol }));
  return { warnings: sent.warnings ?? [], body: JSON.parse(String(sent.body)) as Record<string, unknown> };
}

const customChoice = { type: 'custom', custom: { name: 'c' } };

describe('OpenAI tool shapes on an OpenAI-compatible upstream', () => {
  it.each([
    ['allowed_tools', allowedTools],
    ['a custom-tool choice', customChoice],
  ])('sends the tools and %s as the client wrote them, without warnings', (_name, toolChoice) => {
    const { body, warnings } = send(openaiChatOutbound, 'openai-chat', { tool_choice: toolChoice });
    expect(body['tools']).toEqual([customTool, toolG, toolF]);
    expect(body['tool_choice']).toEqual(toolChoice);
    expect(warnings).toEqual([]);
  });
});

const customDropped = {
  type: 'unsupported-setting',
  setting: 'tools[0]',
  details: 'openai-chat tool "custom" dropped',
};
const choiceDropped = {
  type: 'unsupported-setting',
  setting: 'tool_choice',
  details: 'openai-chat tool choice "custom" dropped',
};

describe('OpenAI tool shapes on an Anthropic upstream', () => {
  it('declares only the allowed function tools and makes required `any`; drops the custom tool with a warning', () => {
    const { body, warnings } = send(anthropicMessagesOutbound, 'anthropic-messages', { tool_choice: allowedTools });
    expect(body['tools']).toEqual([{ name: 'f', input_schema: { type: 'object' } }]);
    expect(body['tool_choice']).toEqual({ type: 'any' });
    expect(warnings).toEqual([
      {
        type: 'other',
        message: 'Dropped a tool of the openai-chat protocol, which the Anthropic Messages API cannot take.',
      },
    ]);
  });

  it('drops a custom-tool choice with a warning and keeps the function tools', () => {
    const { body, warnings } = send(anthropicMessagesOutbound, 'anthropic-messages', { tool_choice: customChoice });
    expect(body['tools']).toEqual([
      { name: 'g', input_schema: { type: 'object', properties: {} } },
      { name: 'f', input_schema: { type: 'object' } },
    ]);
    expect(body['tool_choice']).toBeUndefined();
    expect(warnings).toEqual([
      choiceDropped,
      {
        type: 'other',
        message: 'Dropped a tool of the openai-chat protocol, which the Anthropic Messages API cannot take.',
      },
    ]);
  });
});

describe('OpenAI tool shapes on a Gemini upstream', () => {
  it('declares only the allowed function tools with mode ANY (auto: AUTO); drops the custom tool with a warning', () => {
    const required = send(geminiOutbound, 'gemini', { tool_choice: allowedTools });
    expect(required.body['tools']).toEqual([
      { functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object' } }] },
    ]);
    expect(required.body['toolConfig']).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(required.warnings).toEqual([customDropped]);
    const auto = { type: 'allowed_tools', allowed_tools: { ...allowedTools.allowed_tools, mode: 'auto' } };
    expect(send(geminiOutbound, 'gemini', { tool_choice: auto }).body['toolConfig']).toEqual({
      functionCallingConfig: { mode: 'AUTO' },
    });
  });

  it('drops a custom-tool choice with a warning', () => {
    const { body, warnings } = send(geminiOutbound, 'gemini', { tool_choice: customChoice });
    expect(body['toolConfig']).toBeUndefined();
    expect(warnings).toEqual([choiceDropped, customDropped]);
  });

  it('declares no tool and sends no choice when allowed_tools allows only the custom tool', () => {
    const onlyCustom = {
      type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'custom', custom: { name: 'c' } }] },
    };
    for (const [adapter, protocol] of [
      [geminiOutbound, 'gemini'],
      [anthropicMessagesOutbound, 'anthropic-messages'],
    ] as const) {
      const { body, warnings } = send(adapter, protocol, { tool_choice: onlyCustom });
      expect([body['tools'], body['tool_choice'], body['toolConfig']]).toEqual([undefined, undefined, undefined]);
      expect(warnings).toContainEqual({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        details: 'allowed_tools allows none of the function tools; no tool is declared',
      });
    }
  });
});
