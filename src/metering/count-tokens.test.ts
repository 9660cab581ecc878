import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../spec/index.js';
import {
  approximatePromptTokens,
  countTextTokens,
  estimatePromptTokens,
  exactCountCharsMax,
  sampleTextTokens,
} from './count-tokens.js';

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

/** A long text of one kind: an agent's transcript of code and prose, deterministic. */
function createLongText(chars: number, words: readonly string[]): string {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < chars; index += 1) {
    const word = words[(index * 7_919) % words.length]!;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ');
}

const agentWords = ['the', 'agent', 'called', 'read_file', 'src/app.ts', '{', '}', 'const', 'value', '=', '42;', '\n'];
const chineseWords = ['模型', '调用', '工具', '返回', '结果', '上下文', '文件', '代码'];

describe('countTextTokens on long texts', () => {
  it('counts ordinary text in pieces exactly as a whole', () => {
    const text = createLongText(200_000, agentWords);
    expect(countTextTokens(text)).toBe(countTokens(text, { disallowedSpecial: new Set<string>() }));
  });

  it('counts a 250 000-letter run without a space in bounded pieces', () => {
    // Whole, the tokenizer's merges cost the square of the run (seconds); in 2 KiB pieces, each piece is bounded.
    const run = 'a'.repeat(250_000);
    const pieceTokens = countTokens('a'.repeat(2_048));
    expect(countTextTokens(run)).toBe(
      Math.floor(250_000 / 2_048) * pieceTokens + countTokens('a'.repeat(250_000 % 2_048)),
    );
  });
});

describe('approximatePromptTokens', () => {
  it('counts texts up to 32 KiB exactly', () => {
    const text = createLongText(exactCountCharsMax - 100, agentWords);
    expect(sampleTextTokens(text)).toBe(countTextTokens(text));
    const request = createRequest({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] });
    expect(approximatePromptTokens(request)).toBe(estimatePromptTokens(request));
  });

  it('samples a 1 MB prompt within 2 % of the exact count', () => {
    for (const words of [agentWords, chineseWords]) {
      const text = createLongText(1_000_000, words);
      const exact = countTextTokens(text);
      const sampled = sampleTextTokens(text);
      expect(Math.abs(sampled - exact) / exact).toBeLessThan(0.02);
    }
  });

  it('stays within 10 % when the prompt mixes kinds of text', () => {
    const text = createLongText(300_000, agentWords) + createLongText(300_000, chineseWords);
    const exact = countTextTokens(text);
    expect(Math.abs(sampleTextTokens(text) - exact) / exact).toBeLessThan(0.1);
  });
});
