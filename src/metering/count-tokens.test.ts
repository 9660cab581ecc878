import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../spec/index.js';
import { countTextTokens, estimatePromptTokens } from './count-tokens.js';

function createRequest(overrides: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'deepseek/deepseek-v3.2',
    messages: [],
    stream: false,
    includeUsage: false,
    routingControls: {},
    passthrough: { protocol: 'openai-chat', fields: {} },
    ...overrides,
  };
}

describe('countTextTokens', () => {
  it.each([
    ['', 0],
    ['ok', 1],
    ['Hello hello', 2],
    ['You are terse.', 4],
    ['{"a":1}', 5],
    ['Sure — here is the answer.', 7],
    // Special-token strings are plain text: counted piece by piece, never a throw.
    ['<|endoftext|>', 7],
    ['<|im_start|>system<|im_sep|>', 13],
    ['Say hello <|endoftext|> twice.', 11],
  ])('%j → %i tokens (o200k_base)', (text, tokens) => {
    expect(countTextTokens(text)).toBe(tokens);
  });
});

describe('estimatePromptTokens', () => {
  it('adds 3 per message, the role, the text and 3 for the reply', () => {
    const request = createRequest({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Say hello <|endoftext|> twice.' }] },
      ],
    });
    // (3 + 1 + 4) + (3 + 1 + 11) + 3
    expect(estimatePromptTokens(request)).toBe(26);
  });

  it('counts names, images, tool calls, tool results and tool definitions', () => {
    const request = createRequest({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
        {
          role: 'user',
          name: 'alice',
          content: [
            { type: 'text', text: 'Look at this:' },
            { type: 'image', url: 'data:image/png;base64,AAAA' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'Paris: 18 °C' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
    });
    // system 3+1+4; user 3+1 + name 1+1 + image 85 + text 4; assistant 3+1+7; tool 3+1+6; tools JSON 34; reply 3.
    expect(estimatePromptTokens(request)).toBe(8 + 95 + 11 + 10 + 34 + 3);
  });

  it('counts an assistant refusal and reasoning', () => {
    const request = createRequest({
      messages: [
        {
          role: 'assistant',
          content: [{ type: 'reasoning', text: 'thinking about it' }],
          refusal: ' I cannot help with that.',
        },
      ],
    });
    // 3 + 1 + 'thinking about it I cannot help with that.' (9) + 3
    expect(estimatePromptTokens(request)).toBe(16);
  });

  it('is 3 for an empty request', () => {
    expect(estimatePromptTokens(createRequest({ messages: [], tools: [] }))).toBe(3);
  });
});
