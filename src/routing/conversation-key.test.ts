import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message } from '../spec/index.js';
import { conversationKey, lazyConversationKey } from './conversation-key.js';

function request(messages: readonly Message[], model = 'deepseek/deepseek-chat'): ChatRequest {
  return {
    model,
    messages,
    stream: true,
    includeUsage: false,
    routingControls: {},
    passthrough: { protocol: 'openai-chat', fields: {} },
  };
}

const system: Message = { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.' }] };
const task: Message = { role: 'user', content: [{ type: 'text', text: 'Fix the failing test.' }] };
const toolTurn: readonly Message[] = [
  {
    role: 'assistant',
    content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'read', arguments: '{"path":"a.ts"}' }],
  },
  { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'export const a = 1;' }] },
  { role: 'user', content: [{ type: 'text', text: 'Continue.' }] },
];

describe('conversationKey', () => {
  it('is the SHA-256 of the model, the leading system messages and the first user message text', () => {
    const material = JSON.stringify([
      'deepseek/deepseek-chat',
      [['You are a coding agent.']],
      ['Fix the failing test.'],
    ]);
    expect(conversationKey(request([system, task]))).toBe(createHash('sha256').update(material).digest('hex'));
  });

  it('stays the same while an agent loop appends turns', () => {
    const first = conversationKey(request([system, task]));
    expect(conversationKey(request([system, task, ...toolTurn]))).toBe(first);
    expect(conversationKey(request([system, task, ...toolTurn, system]))).toBe(first);
  });

  it('changes with the model, the system prompt or the task', () => {
    const base = conversationKey(request([system, task]));
    const otherSystem: Message = { role: 'system', content: [{ type: 'text', text: 'You are a reviewer.' }] };
    const otherTask: Message = { role: 'user', content: [{ type: 'text', text: 'Write docs.' }] };
    const keys = [
      conversationKey(request([system, task], 'moonshot/kimi-k2')),
      conversationKey(request([otherSystem, task])),
      conversationKey(request([system, otherTask])),
      conversationKey(request([task])),
    ];
    expect(new Set([base, ...keys]).size).toBe(5);
  });

  it('keeps part boundaries apart ("ab" + "c" is not "a" + "bc")', () => {
    const parts = (texts: string[]): Message => ({
      role: 'user',
      content: texts.map((text) => ({ type: 'text', text })),
    });
    expect(conversationKey(request([parts(['ab', 'c'])]))).not.toBe(conversationKey(request([parts(['a', 'bc'])])));
  });

  it('ignores images in the first user message and is undefined without a user message', () => {
    const withImage: Message = {
      role: 'user',
      content: [...task.content, { type: 'image', url: 'https://example.test/a.png' }],
    };
    expect(conversationKey(request([system, withImage]))).toBe(conversationKey(request([system, task])));
    expect(conversationKey(request([system]))).toBeUndefined();
    expect(conversationKey(request([]))).toBeUndefined();
  });

  it('keys a long first message by its length and first 32 Ki characters', () => {
    const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
    const head = 'x'.repeat(32_768);
    const key = conversationKey(request([user(`${head}${'a'.repeat(100_000)}`)]));
    expect(conversationKey(request([user(`${head}${'b'.repeat(100_000)}`)]))).toBe(key);
    expect(conversationKey(request([user(`${head}${'a'.repeat(100_001)}`)]))).not.toBe(key);
    expect(conversationKey(request([user(`y${head.slice(1)}${'a'.repeat(100_000)}`)]))).not.toBe(key);
  });
});

describe('lazyConversationKey', () => {
  it('hashes nothing until asked, then gives the conversation key once known', () => {
    const session = lazyConversationKey(request([system, task]));
    expect(session.known).toBeUndefined();
    expect(session.get()).toBe(conversationKey(request([system, task])));
    expect(session.known).toBe(conversationKey(request([system, task])));
  });

  it('stays undefined for a request with no user message, asked or not', () => {
    const session = lazyConversationKey(request([system]));
    expect(session.get()).toBeUndefined();
    expect(session.known).toBeUndefined();
  });
});
