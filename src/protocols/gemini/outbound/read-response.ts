import { GatewayError } from '../../../errors/index.js';
import type { ChatChoice, ChatResult, Usage } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertUsage } from './convert-usage.js';
import { createToolCallIdSource } from './create-tool-call-id.js';
import type { ToolCallIdSource } from './create-tool-call-id.js';
import { mapFinishReason } from './map-finish-reason.js';
import { readParts } from './read-parts.js';

/**
 * A Gemini GenerateContentResponse → canonical result. A prompt blocked before generation has no
 * candidates, only `promptFeedback.blockReason`: it becomes one empty choice finished by the
 * content filter. A body with neither is nonsense.
 */
export function readResponse(json: unknown): ChatResult {
  const body = asObject(json);
  const candidates = body?.['candidates'];
  const blockReason = asObject(body?.['promptFeedback'])?.['blockReason'];
  let choices: ChatChoice[];
  if (Array.isArray(candidates) && candidates.length > 0) {
    const createToolCallId = createToolCallIdSource();
    choices = candidates.map((candidate, position) =>
      readCandidate(asObject(candidate) ?? {}, position, createToolCallId),
    );
  } else if (typeof blockReason === 'string') {
    choices = [{ index: 0, content: [], finishReason: { unified: 'content-filter', raw: blockReason } }];
  } else {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: 'The provider answered without candidates or a prompt block reason.',
      isRetryable: true,
    });
  }
  return {
    upstreamId: typeof body?.['responseId'] === 'string' ? body['responseId'] : undefined,
    choices,
    usage: convertUsage(body?.['usageMetadata']) ?? createUnknownUsage(),
  };
}

/**
 * The usage of an upstream JSON answer, read apart from the rest: an answer {@link readResponse} refuses (no choice)
 * may still say what the provider billed for it. Undefined when it reports none.
 */
export function readResponseUsage(json: unknown): Usage | undefined {
  return convertUsage(asObject(json)?.['usageMetadata']);
}

/** A function call that ends with STOP is reported as `tool-calls`, keeping the raw `STOP`. */
function readCandidate(candidate: JsonObject, position: number, createToolCallId: ToolCallIdSource): ChatChoice {
  const index = typeof candidate['index'] === 'number' ? candidate['index'] : position;
  const { content, hasToolCalls } = readParts(asObject(candidate['content'])?.['parts'], index, createToolCallId);
  const finishReason = mapFinishReason(candidate['finishReason']);
  return {
    index,
    content,
    finishReason:
      hasToolCalls && finishReason.raw === 'STOP' ? { unified: 'tool-calls', raw: finishReason.raw } : finishReason,
  };
}
