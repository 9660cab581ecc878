import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { createSseParser } from './sse-parser.js';
import type { SseEvent } from './sse-parser.js';

const encoder = new TextEncoder();

/** Feeds `pieces` to a fresh parser, then ends it; returns the dispatched events. */
function parsePieces(pieces: readonly Uint8Array[], eventBytesMax = 1 << 20): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser({ eventBytesMax, onEvent: (event) => events.push(event) });
  for (const piece of pieces) parser.push(piece);
  parser.end();
  return events;
}

/** Cuts `bytes` at the given points (sorted, unique, inside the array). */
function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const bounds = [0, ...points, bytes.length];
  return bounds.slice(1).map((bound, index) => bytes.subarray(bounds[index], bound));
}

function splitEvery(bytes: Uint8Array, pieceBytes: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let index = 0; index < bytes.length; index += pieceBytes) pieces.push(bytes.subarray(index, index + pieceBytes));
  return pieces;
}

const splitters: [string, (bytes: Uint8Array) => Uint8Array[]][] = [
  ['whole', (bytes) => [bytes]],
  ['as a Buffer', (bytes) => [Buffer.from(bytes)]],
  ['byte at a time', (bytes) => splitEvery(bytes, 1)],
  ['two bytes at a time', (bytes) => splitEvery(bytes, 2)],
  ['three bytes at a time', (bytes) => splitEvery(bytes, 3)],
];

/** Random cut points for a stream of `length` bytes, as a fast-check arbitrary. */
function cutPoints(length: number): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant([]);
  return fc
    .uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: 12 })
    .map((points) => points.sort((left, right) => left - right));
}

function message(data: string, event?: string, id?: string): SseEvent {
  return { event, data, id };
}

const bom = '\uFEFF';

const cases: [name: string, stream: string, expected: SseEvent[]][] = [
  ['LF', 'data: a\n\ndata: b\n\n', [message('a'), message('b')]],
  ['CRLF', 'data: a\r\n\r\ndata: b\r\n\r\n', [message('a'), message('b')]],
  ['CR', 'data: a\r\rdata: b\r\r', [message('a'), message('b')]],
  ['mixed line ends', 'data: a\r\ndata: b\rdata: c\n\r\n', [message('a\nb\nc')]],
  ['CR then LF then CR as three line ends', 'data: a\n\r\rdata: b\r\n\n', [message('a'), message('b')]],
  ['CRLF followed by an empty CR line', 'data: a\r\n\rdata: b\n\n', [message('a'), message('b')]],
  ['BOM at start', `${bom}data: a\n\n`, [message('a')]],
  ['BOM only at start: a later BOM is text', `${bom}data: a\n\n${bom}data: b\n\n`, [message('a')]],
  ['only one BOM removed', `${bom}${bom}data: a\n\ndata: b\n\n`, [message('b')]],
  ['BOM in a value is kept', `data: ${bom}x\n\n`, [message(`${bom}x`)]],
  ['comments', ': ping\n\n: keep-alive\ndata: x\n:\n\n', [message('x')]],
  ['comment with a colon only', ':\n\ndata: x\n\n', [message('x')]],
  ['multi-line data', 'data: one\ndata: two\ndata:three\n\n', [message('one\ntwo\nthree')]],
  ['data without a space', 'data:x\n\n', [message('x')]],
  ['data with the space', 'data: x\n\n', [message('x')]],
  ['only one leading space removed', 'data:  x \n\n', [message(' x ')]],
  ['tab is not removed', 'data:\tx\n\n', [message('\tx')]],
  ['colons in the value kept', 'data: a: b:c\n\n', [message('a: b:c')]],
  ['field without colon', 'data\n\n', [message('')]],
  ['field without colon between data lines', 'data: a\ndata\ndata: b\n\n', [message('a\n\nb')]],
  ['empty data line', 'data:\n\n', [message('')]],
  ['data line with only the space', 'data: \n\n', [message('')]],
  ['two empty data lines', 'data:\ndata:\n\n', [message('\n')]],
  ['field names are case-sensitive', 'Data: a\nDATA: b\ndata: c\n\n', [message('c')]],
  ['event name', 'event: delta\ndata: 1\n\n', [message('1', 'delta')]],
  ['event name resets after dispatch', 'event: ping\ndata: 1\n\ndata: 2\n\n', [message('1', 'ping'), message('2')]],
  ['last event name wins', 'event: a\nevent: b\ndata: 1\n\n', [message('1', 'b')]],
  ['empty event name is the default', 'event:\ndata: 1\n\n', [message('1')]],
  ['event without data is not dispatched', 'event: x\n\ndata: y\n\n', [message('y')]],
  ['event name without data does not leak', 'event: x\n\n\ndata: y\n\n', [message('y')]],
  ['blank lines alone dispatch nothing', '\n\n\r\n\r\r', []],
  [
    'id carries over to later events',
    'id: 7\ndata: a\n\ndata: b\n\n',
    [message('a', undefined, '7'), message('b', undefined, '7')],
  ],
  [
    'id with NUL ignored',
    'id: 7\ndata: a\n\nid: 8\u0000\ndata: b\n\n',
    [message('a', undefined, '7'), message('b', undefined, '7')],
  ],
  [
    'empty id resets it',
    'id: 7\ndata: a\n\nid\ndata: b\n\n',
    [message('a', undefined, '7'), message('b', undefined, '')],
  ],
  ['id alone dispatches nothing but is kept', 'id: 3\n\ndata: a\n\n', [message('a', undefined, '3')]],
  ['retry and unknown fields ignored', 'retry: 10\nfoo: bar\nfoo\ndata: z\n\n', [message('z')]],
  ['NUL in data kept', 'data: a\u0000b\n\n', [message('a\u0000b')]],
  ['incomplete final event dropped', 'data: a\n\ndata: cut', [message('a')]],
  ['final event without its blank line dropped', 'data: a\n\ndata: b\n', [message('a')]],
  ['Chinese text', 'data: 你好，世界\n\n', [message('你好，世界')]],
  ['emoji', 'event: 🎉\ndata: 🌏👩‍👩‍👧 ok\n\n', [message('🌏👩‍👩‍👧 ok', '🎉')]],
  [
    'OpenAI chunk stream',
    [
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null}]}',
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
      ': OPENROUTER PROCESSING',
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      'data: [DONE]',
      '',
    ].join('\n\n'),
    [
      message(
        '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
      ),
      message(
        '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null}]}',
      ),
      message(
        '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
      ),
      message(
        '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      ),
      message('[DONE]'),
    ],
  ],
  [
    'Anthropic-style named events',
    'event: message_start\r\ndata: {"type":"message_start"}\r\n\r\nevent: ping\r\ndata: {"type": "ping"}\r\n\r\n',
    [message('{"type":"message_start"}', 'message_start'), message('{"type": "ping"}', 'ping')],
  ],
];

describe('createSseParser', () => {
  for (const [splitName, split] of splitters) {
    it.each(cases)(`%s (${splitName})`, (_name, stream, expected) => {
      expect(parsePieces(split(encoder.encode(stream)))).toEqual(expected);
    });
  }

  it.each(cases)('%s (random splits)', (_name, stream, expected) => {
    const bytes = encoder.encode(stream);
    fc.assert(
      fc.property(cutPoints(bytes.length), (points) => {
        expect(parsePieces(splitAt(bytes, points))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('decodes multi-byte UTF-8 split at every byte boundary', () => {
    const text = '你好，世界 🌏 emoji 👩‍👩‍👧 done';
    const bytes = encoder.encode(`data: ${text}\n\n`);
    for (let point = 1; point < bytes.length; point += 1) {
      expect(parsePieces(splitAt(bytes, [point]))).toEqual([message(text)]);
    }
  });

  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    const pieces = ['data: a\r', '\ndata: b\r', '\n\r', '\n'].map((text) => encoder.encode(text));
    expect(parsePieces(pieces)).toEqual([message('a\nb')]);
  });

  it('keeps waiting for the LF of a CRLF across empty chunks', () => {
    const pieces = ['data: a\r', '', '', '\ndata: b\r\n\r', '', '\n'].map((text) => encoder.encode(text));
    expect(parsePieces(pieces)).toEqual([message('a\nb')]);
  });

  it('treats a CR ending one chunk and a non-LF starting the next as a line end', () => {
    const pieces = ['data: a\r', 'data: b\r', '\r'].map((text) => encoder.encode(text));
    expect(parsePieces(pieces)).toEqual([message('a\nb')]);
  });

  it('removes a BOM split across chunks, with empty chunks between', () => {
    const pieces = [
      Uint8Array.of(),
      Uint8Array.of(0xef),
      Uint8Array.of(0xbb),
      Uint8Array.of(),
      Uint8Array.of(0xbf),
      encoder.encode('data: a\n\n'),
    ];
    expect(parsePieces(pieces)).toEqual([message('a')]);
  });

  it('keeps the bytes of a BOM prefix that turns out not to be a BOM', () => {
    // EF BB followed by "\n" is a garbage line (an unknown field), then an ordinary event.
    const pieces = [Uint8Array.of(0xef), Uint8Array.of(0xbb, 0x0a), encoder.encode('data: a\n\n')];
    expect(parsePieces(pieces)).toEqual([message('a')]);
    // EF followed by "data…" makes the first field name "\uFFFDdata", which is ignored.
    expect(parsePieces([Uint8Array.of(0xef), encoder.encode('data: a\n\ndata: b\n\n')])).toEqual([message('b')]);
  });

  it('replaces invalid UTF-8 with U+FFFD, as the spec decoder does', () => {
    const bytes = Uint8Array.of(
      ...encoder.encode('data: '),
      0xff,
      0x41,
      0xe4,
      0xbd,
      0x42,
      0xed,
      0xa0,
      0x80,
      ...encoder.encode('\n\n'),
    );
    const expected = new TextDecoder().decode(bytes.subarray(6, bytes.length - 2));
    expect(expected).toBe('\uFFFDA\uFFFDB\uFFFD\uFFFD\uFFFD');
    for (const [, split] of splitters) expect(parsePieces(split(bytes))).toEqual([message(expected)]);
  });

  it('dispatches synchronously, in order, from the push that completes each event', () => {
    const seen: string[] = [];
    const parser = createSseParser({ eventBytesMax: 1024, onEvent: (event) => seen.push(event.data) });
    parser.push(encoder.encode('data: 1\n\ndata: 2\n'));
    expect(seen).toEqual(['1']);
    parser.push(encoder.encode('\ndata: 3\n\n'));
    expect(seen).toEqual(['1', '2', '3']);
    parser.end();
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('drops the incomplete event at end()', () => {
    const seen: SseEvent[] = [];
    const parser = createSseParser({ eventBytesMax: 1024, onEvent: (event) => seen.push(event) });
    parser.push(encoder.encode('event: delta\ndata: a\ndata: b\n'));
    parser.end();
    expect(seen).toEqual([]);
  });

  it('dispatches a last event missing only its blank line when the body is complete, never a cut line', () => {
    const endComplete = (text: string): SseEvent[] => {
      const seen: SseEvent[] = [];
      const parser = createSseParser({ eventBytesMax: 1024, onEvent: (event) => seen.push(event) });
      parser.push(encoder.encode(text));
      parser.end({ isBodyComplete: true });
      return seen;
    };
    expect(endComplete('data: a\n\nevent: delta\ndata: b\r\n')).toEqual([
      message('a'),
      { event: 'delta', data: 'b', id: undefined },
    ]);
    expect(endComplete('data: a\n\ndata: {"cut"')).toEqual([message('a')]);
    expect(endComplete('data: a\n\n: comment only\n')).toEqual([message('a')]);
  });

  it('reads subarray views of a larger buffer at their own offsets', () => {
    const backing = encoder.encode('xxxxdata: a\n\nyyyy');
    expect(parsePieces([backing.subarray(4, 13)])).toEqual([message('a')]);
    const buffer = Buffer.from('xxxxdata: b\n\nyyyy');
    expect(parsePieces([buffer.subarray(4, 13)])).toEqual([message('b')]);
  });
});

/**
 * A direct, string-level reading of the spec: decode the whole stream, drop one leading BOM, split
 * on CRLF / CR / LF, drop the unfinished last line, interpret the lines. Slow and obviously right.
 */
function parseReference(bytes: Uint8Array): SseEvent[] {
  const lines = new TextDecoder().decode(bytes).split(/\r\n|\r|\n/);
  lines.pop();
  const events: SseEvent[] = [];
  let dataBuffer = '';
  let type = '';
  let id: string | undefined;
  for (const line of lines) {
    if (line === '') {
      if (dataBuffer !== '') events.push({ event: type === '' ? undefined : type, data: dataBuffer.slice(0, -1), id });
      dataBuffer = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colonIndex = line.indexOf(':');
    const name = colonIndex === -1 ? line : line.slice(0, colonIndex);
    let value = colonIndex === -1 ? '' : line.slice(colonIndex + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') dataBuffer += `${value}\n`;
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\u0000')) id = value;
  }
  return events;
}

describe('createSseParser against a reference reading of the spec', () => {
  const tokens = [
    'data',
    'data:',
    'data: ',
    'event',
    'event:',
    'event: ',
    'id',
    'id: ',
    'retry: 5',
    ':',
    ' ',
    'x',
    'é',
    '你',
    '🌏',
    '\n',
    '\n',
    '\r',
    '\r\n',
    '\n\n',
    '\u0000',
    '\uFEFF',
  ].map((token) => encoder.encode(token));
  const rawBytes = [
    Uint8Array.of(0xef),
    Uint8Array.of(0xbb),
    Uint8Array.of(0xbf),
    Uint8Array.of(0xff),
    Uint8Array.of(0xe4, 0xbd),
  ];
  const stream = fc
    .array(fc.constantFrom(...tokens, ...rawBytes), { maxLength: 60 })
    .map((parts) => Uint8Array.from(parts.flatMap((part) => [...part])));

  it('agrees on arbitrary token streams, split anywhere', () => {
    fc.assert(
      fc.property(
        stream.chain((bytes) => fc.tuple(fc.constant(bytes), cutPoints(bytes.length))),
        ([bytes, points]) => {
          expect(parsePieces(splitAt(bytes, points))).toEqual(parseReference(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('createSseParser event size limit', () => {
  const limitError = new GatewayError({
    code: 'upstream_invalid_response',
    message: 'An upstream SSE event exceeded 1024 bytes (limits.sseEventBytesMax).',
  });

  function catchError(run: () => void): unknown {
    try {
      run();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('throws for a line that never ends', () => {
    const parser = createSseParser({ eventBytesMax: 1024, onEvent: () => undefined });
    parser.push(encoder.encode(`data: ${'x'.repeat(1000)}`));
    expect(() => parser.push(encoder.encode('y'.repeat(100)))).toThrow(limitError);
  });

  it('throws for a line that never ends, fed a byte at a time', () => {
    const parser = createSseParser({ eventBytesMax: 1024, onEvent: () => undefined });
    const error = catchError(() => {
      for (let index = 0; index < 2048; index += 1) parser.push(Uint8Array.of(0x78));
    });
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream_invalid_response', message: limitError.message });
  });

  it('throws for one complete line larger than the limit in a single chunk', () => {
    const error = catchError(() => parsePieces([encoder.encode(`data: ${'x'.repeat(2000)}\n\n`)], 1024));
    expect(error).toMatchObject({ code: 'upstream_invalid_response' });
    expect(error).toBeInstanceOf(GatewayError);
  });

  it.each(splitters)('throws when many data lines add up past the limit (%s)', (_name, split) => {
    const stream = `data: ${'x'.repeat(90)}\n`.repeat(20);
    const error = catchError(() => parsePieces(split(encoder.encode(stream)), 1024));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream_invalid_response', message: limitError.message });
  });

  it('counts each event on its own: many events under the limit pass', () => {
    const line = `data: ${'x'.repeat(90)}\n\n`;
    expect(parsePieces([encoder.encode(line.repeat(50))], 1024)).toHaveLength(50);
  });

  it('accepts an event exactly at the limit and rejects one byte more', () => {
    const stream = `data: ${'x'.repeat(10)}\n\n`;
    const bytes = encoder.encode(stream);
    for (const [, split] of splitters) {
      expect(parsePieces(split(bytes), bytes.length)).toEqual([message('x'.repeat(10))]);
      const error = catchError(() => parsePieces(split(encoder.encode(`data: ${'x'.repeat(11)}\n\n`)), bytes.length));
      expect(error).toMatchObject({ code: 'upstream_invalid_response' });
    }
  });

  it('accepts a large event that spans many chunks when it fits the limit', () => {
    const data = '字'.repeat(30_000);
    const bytes = encoder.encode(`data: ${data}\n\n`);
    expect(parsePieces(splitEvery(bytes, 1000), bytes.length)).toEqual([message(data)]);
  });
});
