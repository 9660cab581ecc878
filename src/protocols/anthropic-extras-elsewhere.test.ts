import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../catalog/catalog-types.js';
import type { ProtocolId } from '../spec/index.js';
import type { OutboundAdapter } from './adapter-types.js';
import { anthropicMessagesInbound } from './anthropic-messages/index.js';
import { geminiOutbound } from './gemini/index.js';
import { openaiChatOutbound } from './openai-chat/index.js';
import { createBaseTestEndpoint } from './shared/adapter-test-support.js';

/**
 * What an Anthropic client sends that only Anthropic upstreams can take (server tools, extra tool fields, images in
 * tool results, multi-block text, `anthropic-beta`) becomes on OpenAI-compatible and Gemini upstreams.
 */
const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } };
const body = {
  model: 'a/b',
  max_tokens: 100,
  system: [
    { type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'Second block' },
  ],
  tools: [
    { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    { name: 'shot', input_schema: { type: 'object' }, defer_loading: true },
  ],
  messages: [
    { role: 'user', content: 'look' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'shot', input: {} }] },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: [{ type: 'text', text: 'ENOENT' }, image, { type: 'text', text: 'second' }],
        },
      ],
    },
  ],
};
const { request } = anthropicMessagesInbound.parseRequest(body, undefined, {
  'anthropic-beta': 'files-api-2025-04-14',
});

function send(adapter: OutboundAdapter, protocol: ProtocolId) {
  const endpoint: Endpoint = createBaseTestEndpoint({ protocol });
  const sent = adapter.buildRequest(request, endpoint);
  return { sent, body: JSON.parse(String(sent.body)) as Record<string, unknown> };
}

const expectedWarnings = [
  {
    type: 'unsupported-setting',
    setting: 'tool result toolu_1',
    details: "only its text is forwarded; 'image' blocks dropped",
  },
  { type: 'unsupported-setting', setting: 'tools[0]', details: 'server tool "web_search_20250305" dropped' },
  {
    type: 'unsupported-setting',
    setting: 'tools[1]',
    details: 'anthropic-messages tool fields not forwarded: defer_loading',
  },
];

describe('an Anthropic client’s extras on an OpenAI-compatible upstream', () => {
  it('joins text blocks a line apart, keeps function tools, drops the rest with warnings, sends no anthropic-beta', () => {
    const { sent, body: wire } = send(openaiChatOutbound, 'openai-chat');
    expect(wire['messages']).toEqual([
      { role: 'system', content: 'You are a coding agent.\nSecond block' },
      { role: 'user', content: 'look' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'shot', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'ENOENT\nsecond' },
    ]);
    expect(wire['tools']).toEqual([{ type: 'function', function: { name: 'shot', parameters: { type: 'object' } } }]);
    expect(sent.warnings).toEqual(expectedWarnings);
    expect(sent.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('sends no tool settings at all when every tool was a server tool', () => {
    const onlyServer = anthropicMessagesInbound.parseRequest({
      ...body,
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'x' }],
    }).request;
    const wire = JSON.parse(
      String(openaiChatOutbound.buildRequest(onlyServer, createBaseTestEndpoint({ protocol: 'openai-chat' })).body),
    ) as Record<string, unknown>;
    expect([wire['tools'], wire['tool_choice'], wire['parallel_tool_calls']]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('an Anthropic client’s extras on a Gemini upstream', () => {
  it('joins tool-result text a line apart and drops the rest with the same warnings, sends no anthropic-beta', () => {
    const { sent, body: wire } = send(geminiOutbound, 'gemini');
    const contents = wire['contents'] as { parts: Record<string, unknown>[] }[];
    expect(contents[2]?.parts).toEqual([
      { functionResponse: { id: 'toolu_1', name: 'shot', response: { result: 'ENOENT\nsecond' } } },
    ]);
    expect(wire['tools']).toEqual([
      { functionDeclarations: [{ name: 'shot', parametersJsonSchema: { type: 'object' } }] },
    ]);
    expect(sent.warnings).toEqual(expect.arrayContaining(expectedWarnings));
    expect(sent.headers['anthropic-beta']).toBeUndefined();
  });
});
