import { describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResult, StreamEvent } from '../spec/index.js';
import { captureResultContent, createStreamContentCapture } from './capture-content.js';

const request: ChatRequest = {
  model: 'test/fake-model',
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
  ],
  stream: false,
  includeUsage: false,
  routingControls: {},
  passthrough: { protocol: 'openai-chat', fields: {} },
};

const promptJson =
  '[{"role":"system","content":[{"type":"text","text":"Be brief."}]},' +
  '{"role":"user","content":[{"type":"text","text":"Weather in Oslo?"}]}]';

const stop = { unified: 'stop', raw: 'stop' } as const;

describe('captureResultContent', () => {
  it('keeps text and tool calls in order; reasoning and opaque parts are not logged', () => {
    const result: ChatResult = {
      upstreamId: 'up-1',
      usage: { inputTokens: { total: 1 }, outputTokens: { total: 1 } } as ChatResult['usage'],
      choices: [
        {
          index: 0,
          finishReason: stop,
          content: [
            { type: 'reasoning', text: 'thinking…', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', arguments: '{"city":"Oslo"}' },
            { type: 'opaque', protocol: 'anthropic-messages', value: { kind: 'x' } },
          ],
        },
        { index: 1, finishReason: stop, content: [], refusal: 'No.' },
      ],
    };
    expect(captureResultContent(request, result)).toEqual({
      promptJson,
      completionJson:
        '[{"index":0,"content":[{"type":"text","text":"Checking."},' +
        '{"type":"tool-call","toolCallId":"call_1","toolName":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}]},' +
        '{"index":1,"content":[],"refusal":"No."}]',
    });
  });
});

describe('createStreamContentCapture', () => {
  it('joins deltas into the same shape, per choice and per tool call', () => {
    const capture = createStreamContentCapture();
    const events: StreamEvent[] = [
      { type: 'response-start', upstreamId: 'up-1' },
      { type: 'reasoning-delta', choice: 0, delta: 'hmm' },
      { type: 'text-delta', choice: 1, delta: 'Other ' },
      { type: 'text-delta', choice: 0, delta: 'Check' },
      { type: 'text-delta', choice: 0, delta: 'ing.' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 0, toolCallId: 'call_1', toolName: 'weather' },
      { type: 'tool-call-start', choice: 0, toolCallIndex: 1, toolCallId: 'call_2', toolName: 'time' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 1, argumentsDelta: '{}' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 0, argumentsDelta: '"Oslo"}' },
      { type: 'tool-call-delta', choice: 0, toolCallIndex: 7, argumentsDelta: 'orphan' },
      { type: 'text-delta', choice: 1, delta: 'choice' },
      { type: 'refusal-delta', choice: 1, delta: 'Nope' },
      { type: 'finish', choice: 0, finishReason: stop },
    ];
    for (const event of events) capture.track(event);
    expect(capture.finish(request)).toEqual({
      promptJson,
      completionJson:
        '[{"index":0,"content":[{"type":"text","text":"Checking."},' +
        '{"type":"tool-call","toolCallId":"call_1","toolName":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"},' +
        '{"type":"tool-call","toolCallId":"call_2","toolName":"time","arguments":"{}"}]},' +
        '{"index":1,"content":[{"type":"text","text":"Other choice"}],"refusal":"Nope"}]',
    });
  });

  it('gives an empty completion for a stream that produced no text or tool call', () => {
    expect(createStreamContentCapture().finish(request).completionJson).toBe('[]');
  });
});
