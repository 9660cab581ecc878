import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../inbound/parse-request.js';
import { literalBodyBytesMin, literalBytesMin } from '../inbound/read-message-literals.js';
import { createTestEndpoint } from '../test-support.js';
import { buildRequest } from './build-request.js';

/** A client body of long texts, each spelt with every non-ASCII character and `/` escaped (a spelling no serialiser
 * of ours produces), so that the upstream body shows whose bytes it carries. */
function writeBody(texts: readonly string[], extra = ''): Buffer {
  const spell = (text: string): string =>
    JSON.stringify(text).replace(/[^\x20-\x7e]|\//g, (character) =>
      character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  const messages = texts.map(
    (text, index) => `{"role":"${index % 2 === 0 ? 'user' : 'assistant'}","content":${spell(text)}}`,
  );
  return Buffer.from(`{"model":"a/b",${extra}"messages":[${messages.join(',')}]}`);
}

function buildFrom(bytes: Buffer, withBytes = true) {
  const value: unknown = JSON.parse(bytes.toString('utf8'));
  const { request } = parseRequest(value, withBytes ? bytes : undefined);
  return { request, upstream: buildRequest(request, createTestEndpoint()) };
}

const longText = (seed: string): string => `${seed} 你好/wörld "quoted" \\ `.repeat(400);

describe('long message texts sent on as the client wrote them', () => {
  it('copies each long literal into the upstream body, which reads the same as one serialised again', () => {
    const bytes = writeBody([longText('a'), 'short', longText('b')]);
    const spliced = buildFrom(bytes);
    const plain = buildFrom(bytes, false);
    expect(spliced.request.messageTextLiterals?.map((literal) => literal?.text.length)).toEqual([
      longText('a').length,
      undefined,
      longText('b').length,
    ]);
    expect(Buffer.isBuffer(spliced.upstream.body)).toBe(true);
    expect(typeof plain.upstream.body).toBe('string');
    expect(JSON.parse(String(spliced.upstream.body))).toEqual(JSON.parse(String(plain.upstream.body)));
    const sent = String(spliced.upstream.body);
    // The client's spelling (`\u4f60`, `\/`) is in the upstream body: its bytes, not a serialisation of ours.
    expect(sent).toContain(
      JSON.stringify(longText('a')).replace(/[^\x20-\x7e]|\//g, (character) =>
        character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    );
    expect(sent).not.toContain('你好');
  });

  it('serialises again a text that changed after parsing, and a body that names its messages twice', () => {
    const bytes = writeBody([longText('a'), longText('b')]);
    const { request } = buildFrom(bytes);
    const changed = {
      ...request,
      messages: [request.messages[1]!, request.messages[0]!],
    };
    const upstream = buildRequest(changed, createTestEndpoint());
    const sentMessages = (JSON.parse(String(upstream.body)) as { messages: { content: string }[] }).messages;
    expect(sentMessages.map((message) => message.content)).toEqual([longText('b'), longText('a')]);
    const twice = Buffer.from(
      `{"model":"a/b","messages":[],${writeBody([longText('c')])
        .toString()
        .slice(15)}`,
    );
    expect(buildFrom(twice).request.messageTextLiterals).toBeUndefined();
  });

  it('reads no literals from a short body, or one that is not valid UTF-8', () => {
    const short = writeBody(['x'.repeat(literalBytesMin + 10)]);
    expect(short.length).toBeLessThan(literalBodyBytesMin);
    expect(buildFrom(short).request.messageTextLiterals).toBeUndefined();
    const invalid = writeBody([longText('a')]);
    const at = invalid.indexOf('a ');
    invalid[at] = 0xff; // not UTF-8: decoded as U+FFFD, so these bytes must not be sent on
    const built = buildFrom(invalid);
    expect(built.request.messageTextLiterals).toBeUndefined();
    expect(String(built.upstream.body)).toContain('\ufffd');
  });

  it('gives upstream bodies that read the same as serialised ones, for any texts and spellings', () => {
    const text = fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }).map((piece) => piece.repeat(60));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 5 }), fc.boolean(), (texts, isStream) => {
        const bytes = writeBody(texts.concat('pad'.repeat(literalBodyBytesMin / 3)), `"stream":${isStream},`);
        const spliced = buildFrom(bytes);
        const plain = buildFrom(bytes, false);
        return (
          JSON.stringify(JSON.parse(String(spliced.upstream.body))) ===
          JSON.stringify(JSON.parse(String(plain.upstream.body)))
        );
      }),
      { numRuns: 300 },
    );
  });
});
