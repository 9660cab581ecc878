import type Anthropic from '@anthropic-ai/sdk';
import { expect } from 'vitest';

/**
 * Type-driven shape checks against `@anthropic-ai/sdk`'s own types: each table must
 * list exactly the keys the SDK type REQUIRES (the compiler rejects a missing or an
 * extra key), and `expectAnthropicShape` checks at run time that a value the gateway
 * sent has every one of them. A new required field in the SDK breaks the build here.
 */
type RequiredKeys<T> = { readonly [K in keyof T as object extends Pick<T, K> ? never : K]-?: true };

const usage: RequiredKeys<Anthropic.Usage> = {
  cache_creation: true,
  cache_creation_input_tokens: true,
  cache_read_input_tokens: true,
  inference_geo: true,
  input_tokens: true,
  output_tokens: true,
  output_tokens_details: true,
  server_tool_use: true,
  service_tier: true,
  speed: true,
};
const message: RequiredKeys<Anthropic.Message> = {
  id: true,
  container: true,
  content: true,
  diagnostics: true,
  model: true,
  role: true,
  stop_details: true,
  stop_reason: true,
  stop_sequence: true,
  type: true,
  usage: true,
};
const blocks = {
  text: { citations: true, text: true, type: true } satisfies RequiredKeys<Anthropic.TextBlock>,
  thinking: { signature: true, thinking: true, type: true } satisfies RequiredKeys<Anthropic.ThinkingBlock>,
  tool_use: {
    id: true,
    caller: true,
    input: true,
    name: true,
    type: true,
  } satisfies RequiredKeys<Anthropic.ToolUseBlock>,
};
const deltaUsage: RequiredKeys<Anthropic.MessageDeltaUsage> = {
  cache_creation_input_tokens: true,
  cache_read_input_tokens: true,
  input_tokens: true,
  output_tokens: true,
  output_tokens_details: true,
  server_tool_use: true,
};
const messageDelta: RequiredKeys<Anthropic.RawMessageDeltaEvent.Delta> = {
  container: true,
  stop_details: true,
  stop_reason: true,
  stop_sequence: true,
};

function expectKeys(value: unknown, keys: Readonly<Record<string, true>>, what: string): void {
  expect(typeof value, what).toBe('object');
  const missing = Object.keys(keys).filter((key) => !(key in (value as object)));
  expect(missing, `${what} lacks keys its SDK type requires`).toEqual([]);
}

function expectBlock(block: unknown): void {
  const type = (block as { type: string }).type as keyof typeof blocks;
  if (type in blocks) expectKeys(block, blocks[type], `${type} block`);
}

/** A non-streaming Anthropic response has every key `Anthropic.Message` requires, at every level. */
export function expectAnthropicMessageShape(value: unknown): void {
  expectKeys(value, message, 'Message');
  const typed = value as Anthropic.Message;
  expectKeys(typed.usage, usage, 'Usage');
  typed.content.forEach(expectBlock);
}

/** Each raw stream event has every key its SDK event type requires. */
export function expectAnthropicEventShape(event: Anthropic.MessageStreamEvent): void {
  switch (event.type) {
    case 'message_start':
      return expectAnthropicMessageShape(event.message);
    case 'content_block_start':
      return expectBlock(event.content_block);
    case 'message_delta':
      expectKeys(event.delta, messageDelta, 'message_delta.delta');
      return expectKeys(event.usage, deltaUsage, 'MessageDeltaUsage');
    case 'content_block_delta':
    case 'content_block_stop':
    case 'message_stop':
      // Fully described by `type` and `index` (checked by the stream well-formedness test).
      return undefined;
  }
}
