import { describe, expect, it } from 'vitest';
import type { Message } from '../spec/index.js';
import { anthropicMessagesOutbound } from './anthropic-messages/index.js';
import { geminiOutbound } from './gemini/index.js';
import { createBaseTestEndpoint, createBaseTestRequest } from './shared/adapter-test-support.js';

/** A reasoning signature only ever goes back to the protocol that issued it. */
const history: Message[] = [
  { role: 'user', content: [{ type: 'text', text: 'go' }] },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'claude thought', signature: 'ANTHROPIC-SIG' },
      { type: 'reasoning', text: '', signature: 'GEMINI-SIG', signatureProtocol: 'gemini' },
      { type: 'text', text: 'done' },
    ],
  },
  { role: 'user', content: [{ type: 'text', text: 'next' }] },
];
const request = createBaseTestRequest('anthropic-messages', { messages: history });

describe('reasoning signatures across protocols', () => {
  it('Anthropic gets its own signature and never a Gemini one', () => {
    const sent = anthropicMessagesOutbound.buildRequest(
      request,
      createBaseTestEndpoint({ protocol: 'anthropic-messages' }),
    );
    expect(sent.body).toContain('ANTHROPIC-SIG');
    expect(sent.body).not.toContain('GEMINI-SIG');
  });

  it('Gemini gets its own thought signature and never an Anthropic one', () => {
    const sent = geminiOutbound.buildRequest(request, createBaseTestEndpoint({ protocol: 'gemini' }));
    expect(sent.body).toContain('"thoughtSignature":"GEMINI-SIG"');
    expect(sent.body).not.toContain('ANTHROPIC-SIG');
  });
});
