import { describe, expect, it } from 'vitest';
import { renderNanos } from '../../metering/index.js';
import { renderPricePerToken } from './render-model.js';

describe('renderPricePerToken', () => {
  it.each([
    [280_000_000n, '0.00000028'],
    [28_000_000n, '0.000000028'],
    [15_000_000_000n, '0.000015'],
    [37_500_000n, '0.0000000375'],
    [1n, '0.000000000000001'],
    [0n, '0'],
    [1_000_000_000_000_000n, '1'],
    [undefined, undefined],
  ])('%s nanos per 1M tokens → %j per token', (nanos, expected) => {
    expect(renderPricePerToken(nanos)).toBe(expected);
  });
});

describe('renderNanos', () => {
  it.each([
    [0n, 0],
    [1n, 0.000000001],
    [150_388n, 0.000150388],
    [1_000_000_000n, 1],
    [12_345_678_901n, 12.345678901],
    [-5n, -0.000000005],
  ])('%s nanos → %d USD', (nanos, expected) => {
    expect(renderNanos(nanos)).toBe(expected);
  });
});
