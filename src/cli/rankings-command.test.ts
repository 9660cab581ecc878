import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { RankingsResult } from '../analytics/index.js';
import { compactNumber, formatRankingsTable, formatUsd, registerRankingsCommand } from './rankings-command.js';

describe('compactNumber', () => {
  it.each([
    [950, '950'],
    [2_050, '2.1K'],
    [999_949, '999.9K'],
    // Rounded to a tenth, these reach the next unit: 1.0M, not 1000.0K.
    [999_950, '1.0M'],
    [999_950_000, '1.0B'],
    [999_950_000_000, '1.0T'],
    [3_400_000_000_000, '3.4T'],
  ])('%d → %s', (value, text) => {
    expect(compactNumber(value)).toBe(text);
  });
});

describe('formatUsd', () => {
  it.each([
    [0n, '$0.00'],
    [17_790_000_000n, '$17.79'],
    [10_000_000n, '$0.01'],
    // Below a cent: two significant digits, so small spends stay apart instead of all reading $0.00.
    [260_700n, '$0.00026'],
    [4_200_000n, '$0.0042'],
    [1n, '$0.000000001'],
  ])('%d nano-USD → %s', (nanos, text) => {
    expect(formatUsd(nanos)).toBe(text);
  });
});

describe('formatRankingsTable', () => {
  it('tells sub-cent spends apart', () => {
    const bounds = { startMs: 0, endMs: 0, start: '2026-11-30T00:00:00+00:00', end: '2026-12-07T00:00:00+00:00' };
    const result: RankingsResult<bigint> = {
      period: 'week',
      by: 'app',
      measure: 'spend',
      timeZone: 'UTC',
      current: bounds,
      previous: bounds,
      total: 720_000n,
      previousTotal: 0n,
      growth: null,
      rows: [
        { key: 'Cline', value: 372_000n, share: 0.5167, previousValue: 0n, growth: null },
        { key: 'example.com', value: 300_000n, share: 0.4167, previousValue: 0n, growth: null },
      ],
      others: { value: 48_000n, share: 0.0667, previousValue: 0n, growth: null, keyCount: 1 },
      requests: 4,
      requestsUsageEstimated: 0,
      requestsUsageUnknown: 0,
    };
    expect(formatRankingsTable(result).split('\n').slice(2)).toEqual([
      '1  Cline         $0.00037   51.7%          new',
      '2  example.com    $0.0003   41.7%          new',
      '   others (1)   $0.000048    6.7%          new',
      '   total         $0.00072  100.0%          new',
    ]);
  });
});

describe('formatRankingsTable on an empty period', () => {
  it('shows no share and no growth for a total of nothing (not 100.0% and "new")', () => {
    const bounds = { startMs: 0, endMs: 0, start: '2026-01-05T00:00:00+00:00', end: '2026-01-12T00:00:00+00:00' };
    const empty: RankingsResult<number> = {
      period: 'week',
      by: 'model',
      measure: 'total_tokens',
      timeZone: 'UTC',
      current: bounds,
      previous: bounds,
      total: 0,
      previousTotal: 0,
      growth: null,
      rows: [],
      others: { value: 0, share: 0, previousValue: 0, growth: null, keyCount: 0 },
      requests: 0,
      requestsUsageEstimated: 0,
      requestsUsageUnknown: 0,
    };
    expect(formatRankingsTable(empty).split('\n').slice(1)).toEqual([
      '#  model  total_tokens  share  vs previous',
      '   total             0      —            —',
    ]);
    // A period that lost all of the previous one's usage still says so.
    expect(
      formatRankingsTable({ ...empty, previousTotal: 5, growth: -1 })
        .split('\n')
        .at(-1),
    ).toBe('   total             0      —      -100.0%');
  });
});

describe('meridian rankings flags', () => {
  it('names an unknown --tz as the API does, before opening storage', async () => {
    const program = new Command().exitOverride();
    registerRankingsCommand(program);
    await expect(program.parseAsync(['node', 'meridian', 'rankings', '--tz', 'Mars/Olympus'])).rejects.toThrow(
      'unknown time zone "Mars/Olympus": --tz must be an IANA name',
    );
  });

  it('reads --limit as the API reads limit: decimal digits in 1–100, not 0x10 or 1e1', async () => {
    for (const text of ['0x10', '1e1', ' 7', '0', '101', '']) {
      const program = new Command().exitOverride();
      registerRankingsCommand(program);
      await expect(program.parseAsync(['node', 'meridian', 'rankings', '--limit', text])).rejects.toThrow(
        `--limit must be a whole number from 1 to 100; got '${text}'.`,
      );
    }
  });
});
