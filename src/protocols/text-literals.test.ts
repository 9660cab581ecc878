import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../catalog/catalog-types.js';
import type { ProtocolId } from '../spec/index.js';
import type { InboundCodec, OutboundAdapter } from './adapter-types.js';
import { anthropicMessagesInbound, anthropicMessagesOutbound } from './anthropic-messages/index.js';
import { createTestEndpoint as createAnthropicEndpoint } from './anthropic-messages/outbound/test-support.js';
import { geminiOutbound } from './gemini/index.js';
import { createTestEndpoint as createGeminiEndpoint } from './gemini/test-support.js';
import { openaiChatInbound, openaiChatOutbound } from './openai-chat/index.js';
import { createTestEndpoint as createOpenAIEndpoint } from './openai-chat/test-support.js';
import { literalBodyBytesMin, literalBytesMin } from './shared/read-text-literals.js';

/** A string as JSON with every non-ASCII character and `/` escaped: a spelling no serialiser of ours produces. */
function spell(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]|\//g, (character) =>
    character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const inbound: Record<'openai-chat' | 'anthropic-messages', InboundCodec> = {
  'openai-chat': openaiChatInbound,
  'anthropic-messages': anthropicMessagesInbound,
};
const outbound: readonly (readonly [ProtocolId, OutboundAdapter, Endpoint])[] = [
  ['openai-chat', openaiChatOutbound, createOpenAIEndpoint()],
  ['anthropic-messages', anthropicMessagesOutbound, createAnthropicEndpoint()],
  ['gemini', geminiOutbound, createGeminiEndpoint()],
];

/** An agent's turn as each client protocol writes it: plain string contents, text parts, a tool's result. */
function writeBody(protocol: keyof typeof inbound, texts: readonly string[], isStream: boolean): Buffer {
  const [system = '', ...turns] = texts;
  if (protocol === 'openai-chat') {
    const messages = [
      `{"role":"system","content":${spell(system)}}`,
      ...turns.map((text, index) =>
        index % 2 === 0
          ? `{"role":"user","content":[{"type":"text","text":${spell(text)}}]}`
          : `{"role":"assistant","content":${spell(text)}}`,
      ),
    ];
    return Buffer.from(`{"model":"a/b","stream":${isStream},"messages":[${messages.join(',')}]}`);
  }
  const messages = turns.map((text, index) =>
    index % 2 === 0
      ? `{"role":"user","content":[{"type":"text","text":${spell(text)}}]}`
      : `{"role":"assistant","content":${spell(text)}}`,
  );
  return Buffer.from(
    `{"model":"a/b","max_tokens":100,"stream":${isStream},"system":[{"type":"text","text":${spell(system)}}],` +
      `"messages":[${messages.join(',')}]}`,
  );
}

function build(
  protocol: keyof typeof inbound,
  bytes: Buffer,
  to: OutboundAdapter,
  endpoint: Endpoint,
  withBytes = true,
) {
  const { request } = inbound[protocol].parseRequest(JSON.parse(bytes.toString('utf8')), withBytes ? bytes : undefined);
  return { request, upstream: to.buildRequest(request, endpoint) };
}

const longText = (seed: string): string => `${seed} 你好/wörld "quoted" \\ `.repeat(400);
const pairs = (['openai-chat', 'anthropic-messages'] as const).flatMap((from) =>
  outbound.map(([to, adapter, endpoint]) => [from, to, adapter, endpoint] as const),
);

describe('long texts sent on as the client wrote them, from either client protocol to any upstream', () => {
  it.each(pairs)(
    "%s → %s: each long text is the client's literal, and the body reads as one serialised",
    (from, _to, adapter, endpoint) => {
      const texts = [longText('s'), longText('u'), 'short', longText('t')];
      const bytes = writeBody(from, texts, false);
      const spliced = build(from, bytes, adapter, endpoint);
      const plain = build(from, bytes, adapter, endpoint, false);
      expect([...(spliced.request.textLiterals?.byLength.values() ?? [])].flat()).toHaveLength(3);
      expect(Buffer.isBuffer(spliced.upstream.body)).toBe(true);
      expect(typeof plain.upstream.body).toBe('string');
      expect(JSON.parse(String(spliced.upstream.body))).toEqual(JSON.parse(String(plain.upstream.body)));
      for (const text of [longText('s'), longText('u'), longText('t')])
        expect(String(spliced.upstream.body)).toContain(spell(text));
      expect(String(spliced.upstream.body)).not.toContain('你好');
    },
  );

  it('serialises again a text that changed after parsing, and leaves the request as it was', () => {
    const bytes = writeBody('openai-chat', [longText('s'), longText('u')], false);
    const { request } = build('openai-chat', bytes, openaiChatOutbound, createOpenAIEndpoint());
    const before = structuredClone(request.messages);
    const changed = {
      ...request,
      messages: [
        request.messages[0]!,
        { role: 'user' as const, content: [{ type: 'text' as const, text: `${longText('u')}!` }] },
      ],
    };
    const sent = String(openaiChatOutbound.buildRequest(changed, createOpenAIEndpoint()).body);
    expect(sent).toContain(spell(longText('s')));
    expect(sent).toContain(JSON.stringify(`${longText('u')}!`));
    expect(request.messages).toEqual(before);
  });

  it('reads no literals from a short body, or one that is not valid UTF-8', () => {
    const short = writeBody('anthropic-messages', ['x'.repeat(literalBytesMin + 10), 'hi'], false);
    expect(short.length).toBeLessThan(literalBodyBytesMin);
    expect(
      build('anthropic-messages', short, anthropicMessagesOutbound, createAnthropicEndpoint()).request.textLiterals,
    ).toBeUndefined();
    const invalid = writeBody('anthropic-messages', [longText('a'), longText('b')], false);
    invalid[invalid.indexOf('a ')] = 0xff; // not UTF-8: decoded as U+FFFD, so these bytes must not be sent on
    const built = build('anthropic-messages', invalid, anthropicMessagesOutbound, createAnthropicEndpoint());
    expect(built.request.textLiterals).toBeUndefined();
    expect(String(built.upstream.body)).toContain('\ufffd');
  });

  it('gives upstream bodies that read the same as serialised ones, for any texts, pair and stream', () => {
    const text = fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }).map((piece) => piece.repeat(60));
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...pairs),
        fc.boolean(),
        (texts, [from, , adapter, endpoint], isStream) => {
          const bytes = writeBody(from, texts.concat('pad'.repeat(literalBodyBytesMin / 3)), isStream);
          const spliced = build(from, bytes, adapter, endpoint);
          const plain = build(from, bytes, adapter, endpoint, false);
          return (
            JSON.stringify(JSON.parse(String(spliced.upstream.body))) ===
            JSON.stringify(JSON.parse(String(plain.upstream.body)))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
