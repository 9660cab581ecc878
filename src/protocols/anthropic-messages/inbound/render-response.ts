import type { BilledUsage, ChatResult } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import { renderContent } from './render-content.js';
import { emptyMessageDetails, renderStopReason, renderUsage } from './render-usage.js';

/** A completed generation as an Anthropic `message`; only the first choice exists in this protocol. */
export function renderResponse(result: ChatResult, billed: BilledUsage, meta: ResponseMeta): string {
  const choice = result.choices[0];
  const content = choice === undefined ? [] : renderContent(choice.content, meta);
  if (choice?.refusal !== undefined) content.push({ type: 'text', text: choice.refusal, citations: null });
  return JSON.stringify({
    id: meta.generationId,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content,
    stop_reason: renderStopReason(choice?.finishReason, choice?.refusal !== undefined),
    stop_sequence: choice?.finishReason.stopSequence ?? null,
    ...emptyMessageDetails,
    usage: renderUsage(billed),
  });
}
