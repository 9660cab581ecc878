import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../catalog/catalog-types.js';
import type { ProtocolId } from '../spec/index.js';
import type { OutboundAdapter } from './adapter-types.js';
import { anthropicMessagesOutbound } from './anthropic-messages/index.js';
import { geminiOutbound } from './gemini/index.js';
import { openaiChatInbound, openaiChatOutbound } from './openai-chat/index.js';
import { createBaseTestEndpoint } from './shared/adapter-test-support.js';

/**
 * An OpenAI chat client's `top_k` (an extension OpenRouter accepts) on each upstream protocol: Gemini's
 * `generationConfig.topK`, Anthropic's `top_k`, and an OpenAI-compatible upstream's `top_k` as the client wrote it.
 */
function send(body: Record<string, unknown>, adapter: OutboundAdapter, protocol: ProtocolId) {
  const { request } = openaiChatInbound.parseRequest({ model: 'a/b', ...body });
  const endpoint: Endpoint = createBaseTestEndpoint({ protocol });
  const sent = adapter.buildRequest(request, endpoint);
  return { wire: JSON.parse(String(sent.body)) as Record<string, unknown>, warnings: sent.warnings ?? [] };
}

const hi = [{ role: 'user', content: 'hi' }];

describe("an OpenAI client's top_k", () => {
  it('reaches Gemini as generationConfig.topK', () => {
    expect(send({ messages: hi, max_tokens: 10, top_k: 40 }, geminiOutbound, 'gemini')).toEqual({
      wire: {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { maxOutputTokens: 10, topK: 40 },
      },
      warnings: [],
    });
  });

  it('reaches Anthropic as top_k', () => {
    expect(send({ messages: hi, max_tokens: 10, top_k: 40 }, anthropicMessagesOutbound, 'anthropic-messages')).toEqual({
      wire: {
        model: 'upstream-model',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        max_tokens: 10,
        top_k: 40,
      },
      warnings: [],
    });
  });

  it('is dropped with a warning by Anthropic while thinking (Anthropic refuses top_k then)', () => {
    const { wire, warnings } = send(
      { messages: hi, max_tokens: 2048, top_k: 40, reasoning: { max_tokens: 1024 } },
      anthropicMessagesOutbound,
      'anthropic-messages',
    );
    expect(wire['top_k']).toBeUndefined();
    expect(warnings).toEqual([
      { type: 'unsupported-setting', setting: 'top_k', details: 'Anthropic does not allow top_k while thinking.' },
    ]);
  });

  it('reaches an OpenAI-compatible upstream as the client wrote it, with no catalog flag needed', () => {
    expect(send({ messages: hi, top_k: 40 }, openaiChatOutbound, 'openai-chat')).toEqual({
      wire: { model: 'upstream-model', messages: hi, stream: false, top_k: 40 },
      warnings: [],
    });
    // vLLM's "no limit" is no canonical top-k: it still goes to OpenAI-compatible upstreams as written …
    expect(send({ messages: hi, top_k: -1 }, openaiChatOutbound, 'openai-chat').wire['top_k']).toBe(-1);
    // … and is dropped, with a warning, where it would mean nothing.
    expect(send({ messages: hi, max_tokens: 10, top_k: -1 }, geminiOutbound, 'gemini')).toEqual({
      wire: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 10 } },
      warnings: [
        {
          type: 'unsupported-setting',
          setting: 'top_k',
          details: 'a openai-chat parameter, not forwarded to a gemini upstream',
        },
      ],
    });
  });
});
