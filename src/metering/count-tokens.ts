import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatRequest, Message } from '../spec/index.js';

/** Special-token strings (`<|endoftext|>`) in user text count as plain text, never throw. */
const asPlainText = { disallowedSpecial: new Set<string>() };

/** OpenAI's chat overhead: 3 tokens per message plus 3 to prime the reply. */
const tokensPerMessage = 3;
const tokensPerReply = 3;

/** Tokens of a text with the o200k_base encoding (an estimate for non-OpenAI models). */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text, asPlainText);
}

/**
 * Estimated prompt tokens of a request: message text, tool-call arguments, tool
 * definitions as JSON, plus OpenAI's per-message overhead. Used only when the
 * provider reports no usage; records so metered are flagged `estimated`.
 */
export function estimatePromptTokens(request: ChatRequest): number {
  let text = '';
  for (const message of request.messages) text += messageText(message);
  if (request.tools !== undefined) text += JSON.stringify(request.tools);
  return countTextTokens(text) + request.messages.length * tokensPerMessage + tokensPerReply;
}

function messageText(message: Message): string {
  let text = '';
  for (const part of message.content) {
    if (part.type === 'text' || part.type === 'reasoning') text += part.text;
    else if (part.type === 'tool-call') text += part.toolName + part.arguments;
  }
  return text;
}
