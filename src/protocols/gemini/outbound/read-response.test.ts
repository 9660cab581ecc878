import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../test-support.js';
import type { ChatResult } from '../../../spec/index.js';
import { readResponse } from './read-response.js';

/** The tool-call ids of every choice, in order. */
function readToolCallIds(result: ChatResult): string[] {
  return result.choices.flatMap((choice) =>
    choice.content.flatMap((part) => (part.type === 'tool-call' ? [part.toolCallId] : [])),
  );
}

describe('readResponse', () => {
  it('gemini-cached: text, STOP, and cached tokens counted inside the prompt', () => {
    const result = readResponse(readFixtureJson('gemini-cached.1.json'));
    expect(result.upstreamId).toBe('rsp-cached-0001');
    expect(result.choices).toEqual([
      {
        index: 0,
        content: [{ type: 'text', text: "The contract's termination clause requires 30 days' written notice." }],
        finishReason: { unified: 'stop', raw: 'STOP' },
      },
    ]);
    expect(result.usage.inputTokens).toEqual({ total: 2310, noCache: 262, cacheRead: 2048, cacheWrite: undefined });
    expect(result.usage.outputTokens).toEqual({ total: 17, text: 17, reasoning: 0 });
  });

  it('gemini-function-call: signatures before their parts, ids kept or made, other parts opaque, STOP → tool-calls', () => {
    const result = readResponse(readFixtureJson('gemini-function-call.1.json'));
    const madeId = readToolCallIds(result)[1]!;
    expect(madeId).toMatch(/^call_[0-9a-f]{16}_0_1$/);
    expect(result.choices).toEqual([
      {
        index: 0,
        content: [
          { type: 'reasoning', text: '', signature: 'c2lnLXRleHQtMQ==', signatureProtocol: 'gemini' },
          { type: 'text', text: 'Let me look that up.' },
          { type: 'reasoning', text: '', signature: 'c2lnLWZjLTE=', signatureProtocol: 'gemini' },
          {
            type: 'tool-call',
            toolCallId: 'fc-7d1e',
            toolName: 'get_weather',
            arguments: '{"city":"Paris","unit":"celsius"}',
          },
          { type: 'tool-call', toolCallId: madeId, toolName: 'get_time', arguments: '{}' },
          {
            type: 'opaque',
            protocol: 'gemini',
            value: { executableCode: { language: 'PYTHON', code: 'print(1 + 1)' } },
          },
        ],
        finishReason: { unified: 'tool-calls', raw: 'STOP' },
      },
    ]);
    expect(result.usage.outputTokens).toEqual({ total: 113, text: 31, reasoning: 82 });
  });

  it('gemini-blocked: no candidates, one empty choice finished by the content filter', () => {
    const result = readResponse(readFixtureJson('gemini-blocked.1.json'));
    expect(result.choices).toEqual([
      { index: 0, content: [], finishReason: { unified: 'content-filter', raw: 'SAFETY' } },
    ]);
    expect(result.usage.inputTokens.total).toBe(7);
    expect(result.usage.outputTokens).toEqual({ total: 0, text: 0, reasoning: 0 });
  });

  it('reads thought parts as reasoning and several candidates by their index', () => {
    const result = readResponse({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Hmm.', thought: true }, { text: 'A' }] },
          finishReason: 'MAX_TOKENS',
        },
        { index: 1, content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'SAFETY' },
        { index: 2, finishReason: 'OTHER' },
      ],
    });
    expect(result.upstreamId).toBeUndefined();
    expect(result.choices).toEqual([
      {
        index: 0,
        content: [
          { type: 'reasoning', text: 'Hmm.' },
          { type: 'text', text: 'A' },
        ],
        finishReason: { unified: 'length', raw: 'MAX_TOKENS' },
      },
      { index: 1, content: [{ type: 'text', text: 'B' }], finishReason: { unified: 'content-filter', raw: 'SAFETY' } },
      { index: 2, content: [], finishReason: { unified: 'other', raw: 'OTHER' } },
    ]);
    expect(result.usage.inputTokens.total).toBeUndefined();
  });

  it('makes ids unique per response: one nonce for all of its id-less calls, another for the next response', () => {
    const body = {
      candidates: [
        { index: 0, content: { parts: [{ functionCall: { name: 'f' } }, { functionCall: { name: 'g' } }] } },
        { index: 1, content: { parts: [{ functionCall: { name: 'f' } }] } },
      ],
    };
    const first = readToolCallIds(readResponse(body));
    const second = readToolCallIds(readResponse(body));
    const nonce = /^call_([0-9a-f]{16})_0_0$/.exec(first[0]!)?.[1];
    expect(nonce).toBeDefined();
    expect(first).toEqual([`call_${nonce}_0_0`, `call_${nonce}_0_1`, `call_${nonce}_1_0`]);
    expect(second).toHaveLength(3);
    expect(new Set([...first, ...second]).size).toBe(6);
  });

  it('keeps a function call that did not end in STOP under its own reason', () => {
    const result = readResponse({
      candidates: [{ content: { parts: [{ functionCall: { name: 'f' } }] }, finishReason: 'MAX_TOKENS' }],
    });
    expect(result.choices[0]?.finishReason).toEqual({ unified: 'length', raw: 'MAX_TOKENS' });
  });

  it.each([null, 'text', [], {}, { candidates: [] }, { candidates: 'x' }, { promptFeedback: {} }])(
    'throws upstream_invalid_response on %o',
    (json) => {
      expect(() => readResponse(json)).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
    },
  );
});
