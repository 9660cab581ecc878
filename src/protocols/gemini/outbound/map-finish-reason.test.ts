import { describe, expect, it } from 'vitest';
import type { UnifiedFinishReason } from '../../../spec/index.js';
import { mapFinishReason } from './map-finish-reason.js';

describe('mapFinishReason', () => {
  it.each<[unknown, UnifiedFinishReason]>([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content-filter'],
    ['RECITATION', 'content-filter'],
    ['BLOCKLIST', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['SPII', 'content-filter'],
    ['IMAGE_SAFETY', 'content-filter'],
    ['IMAGE_PROHIBITED_CONTENT', 'content-filter'],
    ['IMAGE_RECITATION', 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', 'error'],
    ['UNEXPECTED_TOOL_CALL', 'error'],
    ['TOO_MANY_TOOL_CALLS', 'error'],
    ['MISSING_THOUGHT_SIGNATURE', 'error'],
    ['LANGUAGE', 'other'],
    ['OTHER', 'other'],
    ['FINISH_REASON_UNSPECIFIED', 'other'],
    ['SOMETHING_NEW', 'other'],
    ['stop', 'other'],
  ])('%s → %s, raw kept', (raw, unified) => {
    expect(mapFinishReason(raw)).toEqual({ unified, raw });
  });

  it.each([undefined, null, 3])('%o → other with no raw string', (raw) => {
    expect(mapFinishReason(raw)).toEqual({ unified: 'other', raw: undefined });
  });
});
