import type { SandboxReply } from './generate-reply.js';
import { createSeededRandom, pickInteger } from './seeded-random.js';

/** The upstream-style usage object the sandbox reports. */
export function renderSandboxUsage(reply: SandboxReply): Record<string, unknown> {
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    total_tokens: reply.promptTokens + reply.completionTokens,
    prompt_tokens_details: { cached_tokens: reply.cachedTokens },
    completion_tokens_details: { reasoning_tokens: reply.reasoningTokens },
  };
}

/** A complete `chat.completion`. */
export function renderSandboxCompletion(
  reply: SandboxReply,
  meta: { id: string; model: string; created: number },
): string {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.content ?? null, refusal: null };
  if (reply.reasoning !== undefined) message['reasoning_content'] = reply.reasoning;
  if (reply.toolCalls.length > 0) {
    message['tool_calls'] = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return JSON.stringify({
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: 'fp_sandbox',
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason }],
    usage: renderSandboxUsage(reply),
  });
}

/** Splits text into stream pieces of 1–3 words, deterministically. */
function splitWords(text: string, random: () => number): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const pieces: string[] = [];
  for (let index = 0; index < words.length;) {
    const size = pickInteger(random, 1, 3);
    pieces.push(words.slice(index, index + size).join(''));
    index += size;
  }
  return pieces;
}

/** The deltas of a streamed reply, in order, as OpenAI would send them. */
export function buildSandboxDeltas(reply: SandboxReply): { delta: Record<string, unknown>; finish: string | null }[] {
  const random = createSeededRandom(reply.seed ^ 0x5bd1e995);
  const deltas: { delta: Record<string, unknown>; finish: string | null }[] = [
    { delta: { role: 'assistant', content: '' }, finish: null },
  ];
  if (reply.reasoning !== undefined)
    for (const piece of splitWords(reply.reasoning, random))
      deltas.push({ delta: { reasoning_content: piece }, finish: null });
  if (reply.content !== undefined)
    for (const piece of splitWords(reply.content, random)) deltas.push({ delta: { content: piece }, finish: null });
  reply.toolCalls.forEach((call, index) => {
    deltas.push({
      delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] },
      finish: null,
    });
    for (let offset = 0; offset < call.arguments.length; offset += 8) {
      deltas.push({
        delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(offset, offset + 8) } }] },
        finish: null,
      });
    }
  });
  deltas.push({ delta: {}, finish: reply.finishReason });
  return deltas;
}
