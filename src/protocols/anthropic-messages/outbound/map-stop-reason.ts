import type { FinishReason } from '../../../spec/index.js';

/** Anthropic `stop_reason` → canonical, keeping the raw string. Unknown values are `other`, never guessed. */
export function mapStopReason(raw: unknown): FinishReason {
  const text = typeof raw === 'string' ? raw : undefined;
  switch (text) {
    case 'end_turn':
    case 'stop_sequence':
      return { unified: 'stop', raw: text };
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { unified: 'length', raw: text };
    case 'tool_use':
      return { unified: 'tool-calls', raw: text };
    case 'refusal':
      return { unified: 'content-filter', raw: text };
    case 'pause_turn':
    case undefined:
    default:
      return { unified: 'other', raw: text };
  }
}

/** `stop_reason` plus the `stop_sequence` that matched, when Anthropic names one. */
export function readFinishReason(stopReason: unknown, stopSequence: unknown): FinishReason {
  const reason = mapStopReason(stopReason);
  return typeof stopSequence === 'string' ? { ...reason, stopSequence } : reason;
}
