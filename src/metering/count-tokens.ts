import type { ChatRequest, Message } from '../spec/index.js';
import { countO200kTokens } from './o200k-tokens.js';
import { createTextTokenMemo } from './text-token-memo.js';

/** OpenAI's chat overhead (openai-cookbook "How to count tokens"): 3 tokens around every message… */
const tokensPerMessage = 3;
/** …1 more when the message has a `name`… */
const tokensPerName = 1;
/** …and 3 that prime the assistant's reply. */
const tokensPerReply = 3;
/**
 * An image's size is unknown here; OpenAI bills a low-detail image 85 tokens, the
 * least any image costs, so the estimate never overcharges for one.
 */
const tokensPerImage = 85;

/** The process's memory of recently counted texts (an agent's history is counted again on every call). */
const memo = createTextTokenMemo();

/**
 * Tokens of a text in the o200k_base encoding (GPT-4o and later). For other
 * vendors' models it is an estimate. Never throws on special-token text.
 * Recently counted texts are remembered (see {@link createTextTokenMemo}).
 */
export function countTextTokens(text: string): number {
  return memo.count(text, tokenizeText);
}

function tokenizeText(text: string): number {
  if (text.length <= pieceChars) return text.length === 0 ? 0 : countO200kTokens(text);
  let tokens = 0;
  for (let start = 0; start < text.length;) {
    const end = findPieceEnd(text, start);
    tokens += countO200kTokens(text.slice(start, end));
    start = end;
  }
  return tokens;
}

/**
 * Long texts are counted in pieces of at most this many UTF-16 units. BPE merges within one pre-token grow faster
 * than its length (the square of it in a scanning merge), so a 250 000-letter run with no space took seconds and
 * blocked the event loop; pieces bound that. Pieces end just before a space between two words, where the tokenizer splits anyway, so ordinary
 * text counts exactly as a whole; only a run longer than a piece is cut inside (a token or two more).
 */
const pieceChars = 2_048;

function findPieceEnd(text: string, start: number): number {
  const limit = start + pieceChars;
  if (limit >= text.length) return text.length;
  for (let end = limit; end > start + pieceChars / 2; end -= 1) {
    if (text.charCodeAt(end) === 0x20 && /\S/.test(text[end - 1]!) && /\S/.test(text[end + 1] ?? '')) return end;
  }
  // No word boundary: cut, but never between the two halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/**
 * An ESTIMATE of a request's prompt tokens, used only when the provider reported
 * none (the record is then flagged `estimated`). It follows OpenAI's recipe:
 * per message 3 tokens + its role + its content (text, reasoning, tool calls,
 * refusal) + its name (+1); tool definitions as JSON; 3 tokens for the reply;
 * 85 tokens per image. Other vendors tokenize differently, and content the
 * canonical model does not understand (opaque parts) is not counted, so the
 * estimate errs low: in the customer's favour.
 */
export function estimatePromptTokens(request: ChatRequest): number {
  return sumPromptTokens(request, countTextTokens);
}

/** Texts up to this many UTF-16 units are counted exactly by {@link approximatePromptTokens}. */
export const exactCountCharsMax = 32_768;
const sampleCount = 16;
const sampleChars = 2_048;

/**
 * Tokens of a long text extrapolated from 16 evenly spaced 2 KiB samples (32 KiB
 * tokenized instead of the whole): within a few percent for text of one kind, and
 * about 30× cheaper for a 1 MB prompt (≈ 1.5 ms instead of ≈ 40 ms here). The samples'
 * counts are remembered like any text's: an agent resends the same long context on
 * every call, and its samples then cost a lookup each, not the tokenizer.
 */
export function sampleTextTokens(text: string): number {
  if (text.length <= exactCountCharsMax) return countTextTokens(text);
  const stride = (text.length - sampleChars) / (sampleCount - 1);
  let sampledTokens = 0;
  for (let index = 0; index < sampleCount; index += 1) {
    const start = Math.floor(index * stride);
    // A sample is remembered by its digest (text-token-memo.ts): the slice does not keep the prompt alive.
    sampledTokens += countTextTokens(text.slice(start, start + sampleChars));
  }
  return Math.ceil((sampledTokens * text.length) / (sampleCount * sampleChars));
}

/**
 * A fast prompt size for decisions before the call (routing by context length, rate
 * limits, hold sizing, Anthropic's `message_start`): like {@link estimatePromptTokens},
 * but each text longer than {@link exactCountCharsMax} is sampled. Billing never uses
 * it: a provider that reports no usage is billed on the exact count.
 */
export function approximatePromptTokens(request: ChatRequest): number {
  return sumPromptTokens(request, sampleTextTokens);
}

type CountText = (text: string) => number;

function sumPromptTokens(request: ChatRequest, count: CountText): number {
  let tokens = tokensPerReply;
  for (const message of request.messages) tokens += estimateMessageTokens(message, count);
  if (request.tools !== undefined && request.tools.length > 0) tokens += count(JSON.stringify(request.tools));
  return tokens;
}

function estimateMessageTokens(message: Message, count: CountText): number {
  let tokens = tokensPerMessage + countTextTokens(message.role);
  if ('name' in message && message.name !== undefined) tokens += tokensPerName + countTextTokens(message.name);
  let text = '';
  switch (message.role) {
    case 'system':
    case 'tool':
      for (const part of message.content) text += part.text;
      break;
    case 'user':
      for (const part of message.content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'image') tokens += tokensPerImage;
      }
      break;
    case 'assistant':
      for (const part of message.content) {
        if (part.type === 'text' || part.type === 'reasoning') text += part.text;
        else if (part.type === 'tool-call') text += part.toolName + part.arguments;
      }
      if (message.refusal !== undefined) text += message.refusal;
      break;
    default: {
      const unexpected: never = message;
      throw new Error(`unexpected message ${JSON.stringify(unexpected)}`);
    }
  }
  return tokens + count(text);
}
