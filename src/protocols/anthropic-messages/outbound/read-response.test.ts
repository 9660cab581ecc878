import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../errors/index.js';
import { buildRequest } from './build-request.js';
import { readResponse } from './read-response.js';
import { createTestEndpoint, createTestRequest, readFixtureJson } from './test-support.js';

describe('readResponse', () => {
  it('anthropic-cache: text, end_turn, and the cache split with a summed prompt total', () => {
    const result = readResponse(readFixtureJson('anthropic-cache.1.json'));
    expect({ ...result, usage: { ...result.usage, raw: undefined } }).toEqual({
      upstreamId: 'msg_01CACHE0000000000000001',
      choices: [
        {
          index: 0,
          content: [{ type: 'text', text: "The contract's termination clause requires 30 days' notice." }],
          finishReason: { unified: 'stop', raw: 'end_turn' },
        },
      ],
      usage: {
        inputTokens: { total: 2009, noCache: 21, cacheRead: 1800, cacheWrite: 188, cacheWrite1h: 0 },
        outputTokens: { total: 14, text: undefined, reasoning: undefined },
        isEstimated: false,
        raw: undefined,
      },
    });
    expect(result.usage.raw).toMatchObject({ cache_creation: { ephemeral_5m_input_tokens: 188 } });
  });

  it('anthropic-tool-use: thinking with signature, redacted thinking as opaque, text and a tool call, in order', () => {
    const result = readResponse(readFixtureJson('anthropic-tool-use.1.json'));
    expect(result.choices).toEqual([
      {
        index: 0,
        content: [
          {
            type: 'reasoning',
            text: 'The user wants the weather; I should call the tool.',
            signature: 'EqQBCgIYAhIMREDACTEDsignature0002',
          },
          {
            type: 'opaque',
            protocol: 'anthropic-messages',
            value: { type: 'redacted_thinking', data: 'EmwKAhgBEgyREDACTEDdata0003' },
          },
          { type: 'text', text: "I'll check the weather." },
          {
            type: 'tool-call',
            toolCallId: 'toolu_01A09q90qw90lq917835lq9',
            toolName: 'get_weather',
            arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
          },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      },
    ]);
    // `null` cache counts are unknown, not zero; the prompt total is still the reported input.
    expect(result.usage.inputTokens).toEqual({ total: 394, noCache: 394, cacheRead: undefined, cacheWrite: undefined });
  });

  it('round-trips signed thinking and redacted thinking into the next request unchanged', () => {
    const result = readResponse(readFixtureJson('anthropic-tool-use.1.json'));
    const request = createTestRequest({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        { role: 'assistant', content: result.choices[0]?.content ?? [] },
      ],
    });
    const body = JSON.parse(String(buildRequest(request, createTestEndpoint()).body)) as { messages: unknown[] };
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'thinking',
          thinking: 'The user wants the weather; I should call the tool.',
          signature: 'EqQBCgIYAhIMREDACTEDsignature0002',
        },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgyREDACTEDdata0003' },
        { type: 'text', text: "I'll check the weather." },
        {
          type: 'tool_use',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          input: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      ],
    });
  });

  it('deepseek-anthropic-thinking: unsigned reasoning is read, and left out when sent back to Anthropic', () => {
    const result = readResponse(readFixtureJson('deepseek-anthropic-thinking.1.json'));
    expect(result.choices[0]?.content).toEqual([
      { type: 'reasoning', text: 'The user greets me; answer briefly.' },
      { type: 'text', text: 'Hi! How can I help?' },
    ]);
    expect(result.usage.inputTokens).toEqual({ total: 76, noCache: 12, cacheRead: 64, cacheWrite: undefined });
    const request = createTestRequest({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: result.choices[0]?.content ?? [] },
      ],
    });
    const body = JSON.parse(String(buildRequest(request, createTestEndpoint()).body)) as { messages: unknown[] };
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hi! How can I help?' }] });
  });

  it('keeps server tool blocks as opaque parts and skips empty text', () => {
    const serverToolUse = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } };
    const result = readResponse({
      id: 'msg_1',
      content: [{ type: 'text', text: '' }, serverToolUse, 'garbage'],
      stop_reason: 'pause_turn',
    });
    expect(result.choices[0]).toEqual({
      index: 0,
      content: [{ type: 'opaque', protocol: 'anthropic-messages', value: serverToolUse }],
      finishReason: { unified: 'other', raw: 'pause_turn' },
    });
    expect(result.usage.inputTokens.total).toBeUndefined();
  });

  it('keeps the stop sequence that matched and the citations of a text block', () => {
    const citation = {
      type: 'char_location',
      cited_text: 'x',
      document_index: 0,
      document_title: null,
      start_char_index: 0,
      end_char_index: 1,
    };
    const result = readResponse({
      id: 'msg_1',
      content: [
        { type: 'text', text: 'cited', citations: [citation] },
        { type: 'text', text: 'plain', citations: null },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: 'STOP',
    });
    expect(result.choices[0]).toEqual({
      index: 0,
      content: [
        { type: 'text', text: 'cited', citations: [citation] },
        { type: 'text', text: 'plain' },
      ],
      finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'STOP' },
    });
  });

  it.each([[null], ['text'], [{ id: 'msg_1' }], [{ content: 'hello' }], [[]]])(
    'rejects %j as upstream_invalid_response',
    (json) => {
      expect(() => readResponse(json)).toThrow(GatewayError);
      try {
        readResponse(json);
      } catch (error) {
        expect(error).toMatchObject({ code: 'upstream_invalid_response', isRetryable: true });
      }
    },
  );
});
