import { describe, expect, it } from 'vitest';
import { planRollupSegments } from './read-rollup-sums.js';
import { rollupTables } from './rollup-columns.js';

const iso = (text: string): number => Date.parse(text);

function plan(start: string, end: string): [string, string, string][] {
  return planRollupSegments(iso(start), iso(end), rollupTables.perKey).map((segment) => [
    segment.table.replace('usage_rollups_', ''),
    new Date(segment.startMs).toISOString().slice(0, 16),
    new Date(segment.endMs).toISOString().slice(0, 16),
  ]);
}

describe('planRollupSegments', () => {
  it('reads whole UTC days from the day grain and only the ends from quarter-hours', () => {
    // A Los Angeles week in summer: 07:00 UTC to 07:00 UTC.
    expect(plan('2026-06-29T07:00Z', '2026-07-06T07:00Z')).toEqual([
      ['quarter_hour', '2026-06-29T07:00', '2026-06-30T00:00'],
      ['day', '2026-06-30T00:00', '2026-07-06T00:00'],
      ['quarter_hour', '2026-07-06T00:00', '2026-07-06T07:00'],
    ]);
  });

  it('reads a UTC week from days alone', () => {
    expect(plan('2026-06-29T00:00Z', '2026-07-06T00:00Z')).toEqual([['day', '2026-06-29T00:00', '2026-07-06T00:00']]);
  });

  it('reads a range holding no whole UTC day from quarter-hours alone', () => {
    expect(plan('2026-06-29T07:00Z', '2026-06-30T07:00Z')).toEqual([
      ['quarter_hour', '2026-06-29T07:00', '2026-06-30T07:00'],
    ]);
    expect(plan('2026-06-29T00:00Z', '2026-06-29T00:00Z')).toEqual([]);
  });
});
