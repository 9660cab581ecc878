import { describe, expect, it } from 'vitest';
import {
  formatDateTime,
  formatDuration,
  formatGrowth,
  formatInteger,
  formatOrigin,
  formatPercent,
  formatPricePerMillion,
  formatShare,
  formatShortDate,
  formatThroughput,
  formatTokens,
  formatBalance,
  formatUsd,
  growthDirection,
  readUsd,
} from './format.js';

describe('formatTokens', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1_000, '1K'],
    [1_500, '1.5K'],
    [131_072, '131.1K'],
    [999_949, '999.9K'],
    [999_950, '1M'],
    [1_000_000, '1M'],
    [2_345_678, '2.3M'],
    [1_000_000_000, '1B'],
    [1_234_000_000_000, '1.2T'],
    [20_000_000_000_000, '20T'],
    [null, '—'],
    [undefined, '—'],
  ])('%s → %s', (count, text) => {
    expect(formatTokens(count)).toBe(text);
  });
});

describe('formatInteger', () => {
  it.each([
    [0, '0'],
    [85, '85'],
    [1_234_567, '1,234,567'],
    [null, '—'],
  ])('%s → %s', (count, text) => {
    expect(formatInteger(count)).toBe(text);
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '$0.00'],
    [3.4, '$3.40'],
    [12.5, '$12.50'],
    [1234.5, '$1,234.50'],
    [0.25, '$0.25'],
    [0.01, '$0.01'],
    [0.0042, '$0.0042'],
    [0.005, '$0.005'],
    [0.0000632, '$0.000063'],
    [0.000000001, '$0.000000001'],
    [1e-12, '$0.00'],
    [-3.4, '-$3.40'],
    [null, '—'],
  ])('%s → %s', (amount, text) => {
    expect(formatUsd(amount)).toBe(text);
  });
});

describe('readUsd', () => {
  it('reads a USD number as is and spend `{usd, nanos}` from its exact nanos', () => {
    expect(readUsd(3.4)).toBe(3.4);
    expect(readUsd({ usd: 0.1, nanos: '71500' })).toBe(0.0000715);
    expect(readUsd(null)).toBeNull();
  });
});

describe('formatPricePerMillion', () => {
  it.each([
    ['0.0000002', '$0.20'],
    ['0.00000028', '$0.28'],
    ['0.000000028', '$0.028'],
    ['0.00000001', '$0.01'],
    ['0.000015', '$15.00'],
    ['0.00007', '$70.00'],
    ['0', '$0.00'],
    ['15', '$15,000,000.00'],
    ['-1', '—'],
    [undefined, '—'],
  ])('%s per token → %s per 1M', (perToken, text) => {
    expect(formatPricePerMillion(perToken)).toBe(text);
  });
});

describe('formatShare and formatGrowth', () => {
  it.each([
    [0.6909, '69.09%'],
    [0.3091, '30.91%'],
    [1, '100.00%'],
    [0, '0.00%'],
    [0.0005, '0.05%'],
  ])('share %s → %s', (share, text) => {
    expect(formatShare(share)).toBe(text);
  });

  it.each([
    [0.25, '+25.0%', 'up'],
    [-0.1, '−10.0%', 'down'],
    [-1, '−100.0%', 'down'],
    [0, '0.0%', 'flat'],
    [0.0004, '0.0%', 'flat'],
    [3.5, '+350.0%', 'up'],
    [null, 'new', 'new'],
  ] as const)('growth %s → %s (%s)', (growth, text, direction) => {
    expect(formatGrowth(growth)).toBe(text);
    expect(growthDirection(growth)).toBe(direction);
  });
});

describe('durations, rates and dates', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1_234, '1.23 s'],
    [125_000, '125 s'],
    [null, '—'],
  ])('duration %s → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats throughput, percent, instants and short dates exactly', () => {
    expect(formatThroughput(85.34)).toBe('85.3 tok/s');
    expect(formatThroughput(null)).toBe('—');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(99.5)).toBe('99.5%');
    expect(formatPercent(99.123)).toBe('99.12%');
    expect(formatDateTime(1_796_000_107_184)).toBe('2026-11-30 00:55:07 UTC');
    expect(formatDateTime('2026-11-30T00:55:03.078Z')).toBe('2026-11-30 00:55:03 UTC');
    expect(formatDateTime('not a date')).toBe('—');
    expect(formatShortDate('2026-11-30T00:00:00+00:00')).toBe('30 Nov');
    expect(formatShortDate('2026-01-05')).toBe('5 Jan');
  });

  it('names origin countries', () => {
    expect(formatOrigin('CN')).toBe('China (CN)');
    expect(formatOrigin('US')).toBe('United States (US)');
    expect(formatOrigin('ZZ')).toBe('Unspecified (ZZ)');
    expect(formatOrigin('other')).toBe('other');
  });
});

describe('formatBalance', () => {
  it.each([
    ['14998700000', 14.9987, '$14.99'],
    ['290000000', 0.29, '$0.29'],
    ['10000000', 0.01, '$0.01'],
    ['9999999', 0.009999999, '$0.0099'],
    ['1', 0.000000001, '$0.000000001'],
    ['4200000', 0.0042, '$0.0042'],
    ['0', 0, '$0.00'],
    ['123456789012345678901', 123456789012.34567, '$123,456,789,012.34'],
  ])('%s nano-USD → %s: cents rounded down, never more than is there', (nanos, amount, text) => {
    expect(formatBalance(nanos, amount)).toBe(text);
  });

  it('falls back to the USD number without the exact text', () => {
    expect(formatBalance(undefined, 3.4)).toBe('$3.40');
    expect(formatBalance(null, null)).toBe('—');
  });
});
