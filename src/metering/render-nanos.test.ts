import { describe, expect, it } from 'vitest';
import { renderUsdFixed, renderUsdText } from './render-nanos.js';

describe('rendering nano-USD', () => {
  it('as exact text for people: every digit past 2^53 nano-USD, trailing zeros dropped, no exponent', () => {
    expect(renderUsdText(1n)).toBe('0.000000001');
    expect(renderUsdText(0n)).toBe('0');
    expect(renderUsdText(10_000_000_000n)).toBe('10');
    expect(renderUsdText(123_456_789_123_456_789n)).toBe('123456789.123456789');
    expect(renderUsdText(-1_500_000_000n)).toBe('-1.5');
  });

  it('as exact text with all 9 decimals (CSV), where a double would round (123456789.123456791)', () => {
    expect(renderUsdFixed(123_456_789_123_456_789n)).toBe('123456789.123456789');
    expect(renderUsdFixed(1n)).toBe('0.000000001');
    expect(renderUsdFixed(0n)).toBe('0.000000000');
    expect(renderUsdFixed(-25n)).toBe('-0.000000025');
  });
});
