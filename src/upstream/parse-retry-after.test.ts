import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryAfterSecondsMax } from './parse-retry-after.js';

const nowMs = Date.parse('2026-11-22T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7],
    [' 0 ', 0],
    ['3600', retryAfterSecondsMax],
    ['Sun, 22 Nov 2026 12:00:30 GMT', 30],
    ['Sun, 22 Nov 2026 11:59:00 GMT', 0],
    ['Sun, 22 Nov 2026 13:00:00 GMT', retryAfterSecondsMax],
    ['soon', undefined],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseRetryAfter(header, nowMs)).toBe(expected);
  });

  it('reads the first of repeated headers and treats absence as unknown', () => {
    expect(parseRetryAfter(['12', '99'], nowMs)).toBe(12);
    expect(parseRetryAfter(undefined, nowMs)).toBeUndefined();
  });
});
