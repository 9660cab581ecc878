import type { FinishReason } from '../../../spec/index.js';

/** OpenAI-compatible `finish_reason` → canonical, keeping the raw string. */
export function mapFinishReason(raw: unknown): FinishReason {
  const text = typeof raw === 'string' ? raw : undefined;
  switch (text) {
    case 'stop':
    case 'eos':
      return { unified: 'stop', raw: text };
    case 'length':
      return { unified: 'length', raw: text };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw: text };
    case 'content_filter':
    case 'sensitive':
      return { unified: 'content-filter', raw: text };
    case 'error':
    case 'insufficient_system_resource': // DeepSeek: cut off, its inference system ran short (not a finished answer)
      return { unified: 'error', raw: text };
    case undefined:
    default:
      return { unified: 'other', raw: text };
  }
}
