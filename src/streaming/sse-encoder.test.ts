import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseComment, encodeSseEvent } from './sse-encoder.js';
import { createSseParser } from './sse-parser.js';
import type { SseEvent } from './sse-parser.js';

const encoder = new TextEncoder();

/** Parses `text` fed in the pieces the cut points give; returns the dispatched events. */
function parseText(text: string, points: readonly number[] = []): SseEvent[] {
  const bytes = encoder.encode(text);
  const bounds = [0, ...points.filter((point) => point < bytes.length), bytes.length];
  const events: SseEvent[] = [];
  const parser = createSseParser({ eventBytesMax: 1 << 20, onEvent: (event) => events.push(event) });
  for (let index = 1; index < bounds.length; index += 1) parser.push(bytes.subarray(bounds[index - 1], bounds[index]));
  parser.end();
  return events;
}

describe('encodeSseEvent', () => {
  it.each<[string, Parameters<typeof encodeSseEvent>[0], string]>([
    ['data only', { data: '{"a":1}' }, 'data: {"a":1}\n\n'],
    ['empty data', { data: '' }, 'data: \n\n'],
    ['event name', { event: 'delta', data: 'x' }, 'event: delta\ndata: x\n\n'],
    ['event and id', { event: 'delta', id: '3', data: 'x' }, 'event: delta\nid: 3\ndata: x\n\n'],
    ['LF in data', { data: 'a\nb' }, 'data: a\ndata: b\n\n'],
    ['CRLF in data', { data: 'a\r\nb' }, 'data: a\ndata: b\n\n'],
    ['CR in data', { data: 'a\rb' }, 'data: a\ndata: b\n\n'],
    ['mixed and trailing line ends', { data: 'a\r\nb\rc\n' }, 'data: a\ndata: b\ndata: c\ndata: \n\n'],
    ['blank lines in data', { data: '\n\n' }, 'data: \ndata: \ndata: \n\n'],
    ['leading space kept by the separator space', { data: ' x' }, 'data:  x\n\n'],
  ])('%s', (_name, event, expected) => {
    expect(encodeSseEvent(event)).toBe(expected);
  });

  it.each([
    ['event name with LF', { event: 'a\nb', data: 'x' }],
    ['event name with CR', { event: 'a\rb', data: 'x' }],
    ['id with LF', { id: '1\n', data: 'x' }],
    ['id with NUL', { id: '1\u0000', data: 'x' }],
  ])('rejects a %s (it would break the framing)', (_name, event) => {
    expect(() => encodeSseEvent(event)).toThrow();
  });

  it('round-trips fixed events through the parser', () => {
    const events = [
      { event: 'message_start', data: '{"type":"message_start"}' },
      { data: 'line one\nline two\n\nline four' },
      { id: '42', data: '你好 🌏' },
      { data: '' },
      { data: '[DONE]' },
    ];
    expect(parseText(events.map((event) => encodeSseEvent(event)).join(''))).toEqual([
      { event: 'message_start', data: '{"type":"message_start"}', id: undefined },
      { event: undefined, data: 'line one\nline two\n\nline four', id: undefined },
      { event: undefined, data: '你好 🌏', id: '42' },
      { event: undefined, data: '', id: '42' },
      { event: undefined, data: '[DONE]', id: '42' },
    ]);
  });

  it('round-trips arbitrary events, split anywhere (parse ∘ encode = identity)', () => {
    const lineBreak = fc.constantFrom('\n', '\r\n', '\r');
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    const data = fc.array(fc.oneof(text, lineBreak), { maxLength: 6 }).map((parts) => parts.join(''));
    const singleLine = fc.string({ unit: 'grapheme', maxLength: 12 }).map((value) => value.replace(/[\r\n]/g, ''));
    const eventArbitrary = fc.record(
      {
        event: singleLine,
        id: singleLine.map((value) => value.replaceAll('\u0000', '')),
        data,
      },
      { requiredKeys: ['data'] },
    );
    fc.assert(
      fc.property(
        fc.array(eventArbitrary, { maxLength: 6 }),
        fc.uniqueArray(fc.nat({ max: 400 }), { maxLength: 10 }),
        (events, cuts) => {
          const stream = events.map((event) => encodeSseEvent(event)).join('');
          const points = cuts.filter((cut) => cut > 0).sort((left, right) => left - right);
          let lastId: string | undefined;
          const expected = events.map((event): SseEvent => {
            lastId = event.id ?? lastId;
            // The parser normalises line ends to \n and reads an empty event name as the default type.
            return {
              event: event.event === '' ? undefined : event.event,
              data: event.data.replace(/\r\n?/g, '\n'),
              id: lastId,
            };
          });
          expect(parseText(stream, points)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('encodeSseComment', () => {
  it.each([
    ['keep-alive', 'keep-alive', ': keep-alive\n\n'],
    ['empty', '', ': \n\n'],
    ['line breaks become spaces', 'a\nb\r\nc\rd', ': a b c d\n\n'],
  ])('%s', (_name, text, expected) => {
    expect(encodeSseComment(text)).toBe(expected);
  });

  it('is ignored by the parser', () => {
    expect(parseText(`${encodeSseComment('ping')}${encodeSseEvent({ data: 'x' })}${encodeSseComment('a\nb')}`)).toEqual(
      [{ event: undefined, data: 'x', id: undefined }],
    );
  });
});
