import { describe, expect, it } from 'vitest';
import { stackedAreaPaths, stackedBars, stackedMax, toMatrix } from './chart-geometry.js';

describe('toMatrix', () => {
  it('places each point by key and period, zeros where none, money read by the reader', () => {
    const series = {
      keys: ['ZZ', 'CN'],
      periods: [{ startMs: 10 }, { startMs: 20 }],
      points: [
        { periodStartMs: 20, key: 'ZZ', value: { nanos: '190' } },
        { periodStartMs: 10, key: 'CN', value: { nanos: '5' } },
        { periodStartMs: 20, key: 'CN', value: { nanos: '85' } },
        { periodStartMs: 30, key: 'CN', value: { nanos: '999' } },
      ],
    };
    expect(toMatrix(series, (value) => Number(value.nanos))).toEqual([
      [0, 190],
      [5, 85],
    ]);
  });
});

describe('stackedAreaPaths', () => {
  it('stacks the first series at the bottom, scaled to the largest column', () => {
    const values = [
      [0, 190],
      [0, 85],
    ];
    expect(stackedMax(values)).toBe(275);
    expect(stackedAreaPaths({ values, width: 100, height: 50 })).toEqual([
      { index: 0, d: 'M0,50 L100,15.45 L100,50 L0,50 Z' },
      { index: 1, d: 'M0,50 L100,0 L100,15.45 L0,50 Z' },
    ]);
  });

  it('spreads three periods over the width', () => {
    expect(stackedAreaPaths({ values: [[1, 2, 4]], width: 90, height: 40 })).toEqual([
      { index: 0, d: 'M0,30 L45,20 L90,0 L90,40 L45,40 L0,40 Z' },
    ]);
  });

  it('draws a single period as a band across the width, and nothing when all is zero', () => {
    expect(stackedAreaPaths({ values: [[3], [1]], width: 10, height: 8 })).toEqual([
      { index: 0, d: 'M0,2 L10,2 L10,8 L0,8 Z' },
      { index: 1, d: 'M0,0 L10,0 L10,2 L0,2 Z' },
    ]);
    expect(stackedAreaPaths({ values: [[0, 0]], width: 10, height: 8 })).toEqual([]);
  });
});

describe('stackedBars', () => {
  it('makes one bar per non-zero value, stacked, with the gap split on both sides', () => {
    expect(
      stackedBars({
        values: [
          [2, 0],
          [2, 1],
        ],
        width: 20,
        height: 40,
        gapRatio: 0.2,
      }),
    ).toEqual([
      { index: 0, column: 0, x: 1, y: 20, width: 8, height: 20 },
      { index: 1, column: 0, x: 1, y: 0, width: 8, height: 20 },
      { index: 1, column: 1, x: 11, y: 30, width: 8, height: 10 },
    ]);
    expect(stackedBars({ values: [[0]], width: 20, height: 40 })).toEqual([]);
  });
});
