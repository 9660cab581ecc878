import { countO200kTokens } from '../metering/index.js';
import { buildArguments } from './build-arguments.js';
import { composeText } from './compose-text.js';
import type { PromptCache } from './prompt-cache.js';
import { createSeededRandom, hashText, pickInteger } from './seeded-random.js';

type Json = Record<string, unknown>;

/** Prompts longer than this (characters) are counted at 4 characters per token, so the sandbox never stalls the event loop. */
const exactCountCharactersMax = 64 * 1024;

export interface SandboxToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface SandboxReply {
  readonly reasoning: string | undefined;
  readonly content: string | undefined;
  readonly toolCalls: readonly SandboxToolCall[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly seed: number;
}

/** Tokens of a text, as the sandbox bills them. */
export function countSandboxTokens(text: string): number {
  if (text.length === 0) return 0;
  return text.length > exactCountCharactersMax ? Math.ceil(text.length / 4) : countO200kTokens(text);
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof asObject(part)?.['text'] === 'string' ? (asObject(part)!['text'] as string) : ''))
    .join('');
}

/** Prompt tokens: message text + tool-call arguments + tool definitions, plus 3 per message and 3 for the reply (OpenAI's chat overhead). */
export function countPromptTokens(messages: readonly Json[], tools: unknown): number {
  let text = '';
  for (const message of messages) {
    text += contentText(message['content']);
    const calls = message['tool_calls'];
    if (Array.isArray(calls)) for (const call of calls) text += JSON.stringify(asObject(call)?.['function'] ?? '');
  }
  if (tools !== undefined) text += JSON.stringify(tools);
  return countSandboxTokens(text) + messages.length * 3 + 3;
}

/** The deterministic reply to one chat request body. */
export function generateReply(body: Json, model: string, cache: PromptCache): SandboxReply {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []).map((message) => asObject(message) ?? {});
  const last = messages[messages.length - 1] ?? {};
  const question = contentText(last['content']);
  const seed = hashText(`${model}\n${last['role'] as string}\n${question}`);
  const random = createSeededRandom(seed);
  const promptTokens = countPromptTokens(messages, body['tools']);
  const cachedTokens = lookupCachedTokens(messages, body['tools'], cache);
  const maxTokens = readMaxTokens(body);
  const reasoning = model.includes('reasoner') ? composeText(random, '', pickInteger(random, 20, 60)) : undefined;
  const reasoningTokens = reasoning === undefined ? 0 : countSandboxTokens(reasoning);
  const toolCalls = chooseToolCalls(body, last, random, seed);
  if (toolCalls.length > 0) {
    const argumentTokens = toolCalls.reduce((sum, call) => sum + countSandboxTokens(call.name + call.arguments), 0);
    return {
      reasoning,
      content: undefined,
      toolCalls,
      finishReason: 'tool_calls',
      promptTokens,
      cachedTokens,
      completionTokens: reasoningTokens + argumentTokens,
      reasoningTokens,
      seed,
    };
  }
  let content = isJsonFormat(body)
    ? JSON.stringify(buildArguments(jsonSchemaOf(body), random))
    : composeText(random, question, pickInteger(random, 30, 300));
  let finishReason: SandboxReply['finishReason'] = 'stop';
  if (maxTokens !== undefined && countSandboxTokens(content) > maxTokens) {
    content = truncateToTokens(content, maxTokens);
    finishReason = 'length';
  }
  return {
    reasoning,
    content,
    toolCalls: [],
    finishReason,
    promptTokens,
    cachedTokens,
    completionTokens: reasoningTokens + countSandboxTokens(content),
    reasoningTokens,
    seed,
  };
}

/**
 * Agents resend the whole conversation: the longest earlier-seen prefix of this
 * request's messages counts as cached. Prefix hashes chain message by message.
 */
function lookupCachedTokens(messages: readonly Json[], tools: unknown, cache: PromptCache): number {
  const prefixHashes: number[] = [];
  let chained = hashText(JSON.stringify(tools ?? null));
  for (const message of messages) {
    chained = hashText(`${chained}:${JSON.stringify(message)}`);
    prefixHashes.push(chained);
  }
  let cachedTokens = 0;
  for (let length = messages.length - 1; length >= 1; length -= 1) {
    if (cache.has(prefixHashes[length - 1]!)) {
      cachedTokens = cache.roundDown(countPromptTokens(messages.slice(0, length), tools));
      break;
    }
  }
  for (const hash of prefixHashes) cache.remember(hash);
  return cachedTokens;
}

function readMaxTokens(body: Json): number | undefined {
  const value = body['max_completion_tokens'] ?? body['max_tokens'];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Cuts at word boundaries so the text has at most `tokensMax` tokens. */
function truncateToTokens(text: string, tokensMax: number): string {
  const words = text.split(' ');
  let low = 0;
  let high = words.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countSandboxTokens(words.slice(0, middle).join(' ')) <= tokensMax) low = middle;
    else high = middle - 1;
  }
  return words
    .slice(0, Math.max(low, 1))
    .join(' ')
    .slice(0, low === 0 ? 1 : undefined);
}

function isJsonFormat(body: Json): boolean {
  const type = asObject(body['response_format'])?.['type'];
  return type === 'json_object' || type === 'json_schema';
}

function jsonSchemaOf(body: Json): unknown {
  return (
    asObject(asObject(body['response_format'])?.['json_schema'])?.['schema'] ?? {
      type: 'object',
      properties: { answer: { type: 'string' } },
    }
  );
}

function chooseToolCalls(body: Json, last: Json, random: () => number, seed: number): SandboxToolCall[] {
  const tools = (Array.isArray(body['tools']) ? body['tools'] : []).map(
    (tool) => asObject(asObject(tool)?.['function']) ?? {},
  );
  if (tools.length === 0 || body['tool_choice'] === 'none' || last['role'] === 'tool') return [];
  const forced = asObject(asObject(body['tool_choice'])?.['function'])?.['name'];
  const chosen =
    typeof forced === 'string'
      ? tools.filter((tool) => tool['name'] === forced)
      : tools.slice(0, body['parallel_tool_calls'] === false ? 1 : 2);
  return chosen.map((tool, index) => ({
    id: `call_${(seed + index).toString(16).padStart(8, '0')}${index}`,
    name: typeof tool['name'] === 'string' ? tool['name'] : 'tool',
    arguments: JSON.stringify(buildArguments(tool['parameters'], random)),
  }));
}
