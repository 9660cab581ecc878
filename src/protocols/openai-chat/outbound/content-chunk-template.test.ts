import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { StreamEvent } from '../../../spec/index.js';
import { learnContentChunkTemplate, matchContentChunkTemplate } from './content-chunk-template.js';
import { createStreamReader } from './read-stream.js';

const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[';
const textChunk = (literal: string, tail = ',"usage":null}'): string =>
  `${head}{"index":0,"delta":{"content":${literal}},"logprobs":null,"finish_reason":null}]${tail}`;

function learn(data: string) {
  return learnContentChunkTemplate(data, JSON.parse(data) as Record<string, unknown>);
}

describe('learnContentChunkTemplate', () => {
  it('splits a plain text chunk around its string literal', () => {
    expect(learn(textChunk('"Hi"'))).toEqual({
      prefix: `${head}{"index":0,"delta":{"content":`,
      suffix: '},"logprobs":null,"finish_reason":null}],"usage":null}',
    });
  });

  it.each([
    ['a finish reason', `${head}{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}`],
    ['usage', `${head}{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":{"prompt_tokens":1}}`],
    ['logprobs', `${head}{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]},"finish_reason":null}]}`],
    ['a second delta field', `${head}{"index":0,"delta":{"role":"assistant","content":"a"},"finish_reason":null}]}`],
    ['reasoning', `${head}{"index":0,"delta":{"content":"a","reasoning_content":"b"},"finish_reason":null}]}`],
    ['two choices', `${head}{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"a"}}]}`],
    ['choice 1', `${head}{"index":1,"delta":{"content":"a"},"finish_reason":null}]}`],
    ['empty text', textChunk('""')],
    ['an error', `${head}{"index":0,"delta":{"content":"a"}}],"error":{"message":"x"}}`],
    ['text written with escapes JSON.stringify would not use', textChunk('"\\u0041"')],
    ['a space after the key', `${head}{"index":0,"delta":{"content": "a"},"finish_reason":null}]}`],
  ])('learns nothing from a chunk with %s', (_name, data) => {
    expect(learn(data)).toBeUndefined();
  });
});

describe('matchContentChunkTemplate', () => {
  const template = learn(textChunk('"Hi"'))!;

  it.each([
    ['plain text', '"Hello"', 'Hello'],
    ['escapes', '"a\\"b\\\\c\\n\\u00e9"', 'a"b\\c\né'],
    ['an emoji', '"\\ud83d\\ude00 ok"', '😀 ok'],
    ['empty text', '""', ''],
  ])('reads %s', (_name, literal, text) => {
    expect(matchContentChunkTemplate(template, textChunk(literal))).toBe(text);
  });

  it.each([
    ['another envelope', textChunk('"a"', '}')],
    [
      'a finish reason',
      `${head}{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
    ],
    ['two values in the middle', textChunk('"a"},"x":{"y":"b"')],
    ['an unterminated string', textChunk('"a\\"')],
    ['a number', textChunk('12')],
    ['a string spliced with another field', textChunk('"a","refusal":"b"')],
    ['a chunk cut short', textChunk('"a"').slice(0, -3)],
  ])('refuses %s', (_name, data) => {
    expect(matchContentChunkTemplate(template, data)).toBeUndefined();
  });
});

/**
 * The same chunks read with every template miss: each chunk gets its own amount of trailing whitespace (still the
 * same JSON), so no two share a suffix and every chunk is parsed in full.
 */
function readWithoutTemplate(chunks: readonly string[]): StreamEvent[] {
  const reader = createStreamReader();
  return chunks.flatMap((data, index) => [...reader.readEvent(undefined, `${data}${' '.repeat(index + 1)}`)]);
}

describe('createStreamReader with the template', () => {
  it('yields exactly the events of full parsing for any mix of text and other chunks', () => {
    const other = [
      `${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
      `${head}{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
      `${head}{"index":0,"delta":{"reasoning_content":"think"},"logprobs":null,"finish_reason":null}],"usage":null}`,
      `${head}{"index":0,"delta":{"content":"a","refusal":"no"},"logprobs":null,"finish_reason":null}],"usage":null}`,
    ];
    const chunk = fc.oneof(
      fc.string({ unit: 'binary' }).map((text) => textChunk(JSON.stringify(text))),
      fc.constantFrom(...other),
    );
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 20 }), (chunks) => {
        const reader = createStreamReader();
        const events = chunks.flatMap((data) => [...reader.readEvent(undefined, data)]);
        expect(events).toEqual(readWithoutTemplate(chunks));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('createStreamReader: the template is used', () => {
  it('parses only the string literal of a text chunk in the learnt envelope', () => {
    const reader = createStreamReader();
    expect(reader.readEvent(undefined, textChunk('"Hi"'))).toEqual([
      { type: 'response-start', upstreamId: 'chatcmpl-1' },
      { type: 'text-delta', choice: 0, delta: 'Hi' },
    ]);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(reader.readEvent(undefined, textChunk('"there"'))).toEqual([
        { type: 'text-delta', choice: 0, delta: 'there' },
      ]);
      expect(parse.mock.calls.map((call) => call[0])).toEqual(['"there"']);
    } finally {
      parse.mockRestore();
    }
  });
});
