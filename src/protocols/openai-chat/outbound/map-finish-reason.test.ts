import { describe, expect, it } from 'vitest';
import { mapFinishReason } from './map-finish-reason.js';

describe('mapFinishReason (OpenAI-compatible)', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool-calls'],
    ['content_filter', 'content-filter'],
    ['error', 'error'],
    // DeepSeek cuts an answer short when its inference system runs out of resources: not a finished answer.
    ['insufficient_system_resource', 'error'],
    ['something_new', 'other'],
  ] as const)('%s → %s', (raw, unified) => {
    expect(mapFinishReason(raw)).toEqual({ unified, raw });
  });
});
