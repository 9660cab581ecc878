import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { encodeSseEvent } from './sse-encoder.js';
import { createSseParser } from './sse-parser.js';
import type { SseEvent } from './sse-parser.js';

const encoder = new TextEncoder();

/** Feeds `bytes` to a fresh parser in the pieces `splitAt` gives, returns the events. */
function parse(bytes: Uint8Array, pieces: (bytes: Uint8Array) => Uint8Array[], eventBytesMax = 1 << 20): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser({ eventBytesMax, onEvent: (event) => events.push(event) });
  for (const piece of pieces(bytes)) parser.push(piece);
  parser.end();
  return events;
}

const whole = (bytes: Uint8Array) => [bytes];
const byteAtATime = (bytes: Uint8Array) => Array.from(bytes, (byte) => Uint8Array.of(byte));
const twoBytes = (bytes: Uint8Array) => {
  const pieces: Uint8Array[] = [];
  for (let index = 0; index < bytes.length; index += 2) pieces.push(bytes.subarray(index, index + 2));
  return pieces;
};
const splitters = [
  ['whole', whole],
  ['byte at a time', byteAtATime],
  ['two bytes', twoBytes],
] as const;

function message(data: string, event?: string, id?: string): SseEvent {
  return { event, data, id };
}

const cases: [string, string, SseEvent[]][] = [
  ['LF', 'data: a\n\ndata: b\n\n', [message('a'), message('b')]],
  ['CRLF', 'data: a\r\n\r\ndata: b\r\n\r\n', [message('a'), message('b')]],
  ['CR', 'data: a\r\rdata: b\r\r', [message('a'), message('b')]],
  ['mixed line ends', 'data: a\r\ndata: b\rdata: c\n\r\n', [message('a\nb\nc')]],
  ['BOM at start only', '\uFEFFdata: a\n\n\uFEFFdata: b\n\n', [message('a')]],
  ['comments and heartbeats', ': ping\n\n: keep-alive\ndata: x\n\n', [message('x')]],
  ['multi-line data', 'data: one\ndata: two\ndata:three\n\n', [message('one\ntwo\nthree')]],
  ['no space after colon', 'data:x\n\n', [message('x')]],
  ['only one leading space removed', 'data:  x\n\n', [message(' x')]],
  ['field without colon', 'data\n\n', [message('')]],
  ['empty data lines', 'data:\ndata:\n\n', [message('\n')]],
  ['event name, then reset', 'event: ping\ndata: 1\n\ndata: 2\n\n', [message('1', 'ping'), message('2')]],
  ['event without data is not dispatched', 'event: x\n\ndata: y\n\n', [message('y')]],
  [
    'id kept, id with NUL ignored',
    'id: 7\ndata: a\n\nid: 8\u0000\ndata: b\n\n',
    [message('a', undefined, '7'), message('b', undefined, '7')],
  ],
  ['unknown fields and retry ignored', 'retry: 10\nfoo: bar\ndata: z\n\n', [message('z')]],
  ['incomplete final event dropped', 'data: a\n\ndata: cut', [message('a')]],
  ['UTF-8 multibyte', 'data: 你好，世界 🌏\n\n', [message('你好，世界 🌏')]],
  [
    'OpenAI stream',
    'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3}}\n\ndata: [DONE]\n\n',
    [
      message('{"choices":[{"delta":{"content":"Hi"}}]}'),
      message('{"choices":[],"usage":{"prompt_tokens":3}}'),
      message('[DONE]'),
    ],
  ],
];

describe('createSseParser', () => {
  for (const [splitName, splitter] of splitters) {
    it.each(cases)(`%s (${splitName})`, (_name, text, expected) => {
      expect(parse(encoder.encode(text), splitter)).toEqual(expected);
    });
  }

  it.each(cases)('%s (random splits)', (_name, text, expected) => {
    const bytes = encoder.encode(text);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 8 }),
        (cuts) => {
          const points = [
            0,
            ...cuts.filter((cut) => cut < bytes.length).sort((left, right) => left - right),
            bytes.length,
          ];
          const pieces = points.slice(1).map((point, index) => bytes.subarray(points[index], point));
          expect(parse(bytes, () => pieces)).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('treats a CR at the end of one chunk and LF at the start of the next as one line end', () => {
    const pieces = [
      encoder.encode('data: a\r'),
      encoder.encode('\ndata: b\r'),
      encoder.encode('\n\r'),
      encoder.encode('\n'),
    ];
    expect(parse(new Uint8Array(), () => pieces)).toEqual([message('a\nb')]);
  });

  it('removes a BOM split across chunks', () => {
    const pieces = [
      Uint8Array.of(0xef),
      Uint8Array.of(0xbb),
      encoder.encode('\u00bf'.slice(0, 0)),
      Uint8Array.of(0xbf),
      encoder.encode('data: a\n\n'),
    ];
    expect(parse(new Uint8Array(), () => pieces)).toEqual([message('a')]);
  });

  it('throws upstream_invalid_response for a line that never ends', () => {
    const parser = createSseParser({ eventBytesMax: 1024, onEvent: () => undefined });
    parser.push(encoder.encode(`data: ${'x'.repeat(1000)}`));
    expect(() => parser.push(encoder.encode('y'.repeat(100)))).toThrow(
      new GatewayError({
        code: 'upstream_invalid_response',
        message: 'An upstream SSE event exceeded 1024 bytes (limits.sseEventBytesMax).',
      }),
    );
  });

  it('throws when many data lines exceed the event limit, counting across lines', () => {
    const line = `data: ${'x'.repeat(90)}\n`;
    let error: unknown;
    try {
      parse(encoder.encode(line.repeat(20)), whole, 1024);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('upstream_invalid_response');
  });

  it('accepts an event exactly at the limit', () => {
    const text = `data: ${'x'.repeat(10)}\n\n`;
    expect(parse(encoder.encode(text), whole, encoder.encode(text).length)).toEqual([message('x'.repeat(10))]);
  });
});

describe('encodeSseEvent', () => {
  it('writes event, id and one data line per line', () => {
    expect(encodeSseEvent({ event: 'delta', id: '3', data: 'a\nb\r\nc' })).toBe(
      'event: delta\nid: 3\ndata: a\ndata: b\ndata: c\n\n',
    );
  });

  it('round-trips through the parser (parse ∘ encode = identity)', () => {
    const eventArbitrary = fc.record({
      event: fc.option(fc.stringMatching(/^[a-z_]{1,12}$/), { nil: undefined }),
      data: fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => text.replace(/\r\n?/g, '\n')),
    });
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 6 }), (events) => {
        const text = events.map((event) => encodeSseEvent(event)).join('');
        const parsed = parse(encoder.encode(text), byteAtATime);
        expect(parsed).toEqual(events.map((event) => message(event.data, event.event)));
      }),
      { numRuns: 200 },
    );
  });
});
