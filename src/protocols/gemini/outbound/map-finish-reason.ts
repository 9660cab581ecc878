import type { FinishReason } from '../../../spec/index.js';

/**
 * Gemini `Candidate.finishReason` → canonical, keeping the raw string. Every safety-style block
 * (including the image ones) is a content filter; a function call the model could not form, or was
 * not allowed to make, is an error. Anything unknown is `other`, never `stop`.
 */
export function mapFinishReason(raw: unknown): FinishReason {
  const text = typeof raw === 'string' ? raw : undefined;
  switch (text) {
    case 'STOP':
      return { unified: 'stop', raw: text };
    case 'MAX_TOKENS':
      return { unified: 'length', raw: text };
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return { unified: 'content-filter', raw: text };
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
    case 'MISSING_THOUGHT_SIGNATURE':
      return { unified: 'error', raw: text };
    case undefined:
    default:
      return { unified: 'other', raw: text };
  }
}
