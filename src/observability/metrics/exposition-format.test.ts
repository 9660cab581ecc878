import { describe, expect, it } from 'vitest';
import {
  escapeHelp,
  escapeLabelValue,
  metricsContentType,
  renderLabelPairs,
  renderNumber,
  renderScaledBigint,
} from './exposition-format.js';

describe('escapeLabelValue', () => {
  it.each([
    ['plain', 'plain'],
    ['back\\slash', 'back\\\\slash'],
    ['say "hi"', 'say \\"hi\\"'],
    ['two\nlines', 'two\\nlines'],
    ['\\"\n', '\\\\\\"\\n'],
    ['tab\tand\rcr', 'tab\tand\rcr'],
    ['ünïcødé/模型', 'ünïcødé/模型'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeLabelValue(input)).toBe(expected);
  });
});

describe('escapeHelp', () => {
  it.each([
    ['Requests "served".', 'Requests "served".'],
    ['a\\b', 'a\\\\b'],
    ['one\ntwo', 'one\\ntwo'],
  ])('%j → %j', (input, expected) => {
    expect(escapeHelp(input)).toBe(expected);
  });
});

describe('renderLabelPairs', () => {
  it('writes name="value" pairs in declaration order, escaped', () => {
    expect(renderLabelPairs(['b', 'a'], ['x"y', 'z'])).toBe('b="x\\"y",a="z"');
    expect(renderLabelPairs([], [])).toBe('');
  });
});

describe('renderNumber', () => {
  it.each([
    [0, '0'],
    [42, '42'],
    [0.005, '0.005'],
    [2.5, '2.5'],
    [-1.25, '-1.25'],
    [1e21, '1e+21'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%d → %s', (input, expected) => {
    expect(renderNumber(input)).toBe(expected);
  });
});

describe('renderScaledBigint', () => {
  it.each([
    [0n, 9, '0.000000000'],
    [1n, 9, '0.000000001'],
    [1_500_000_001n, 9, '1.500000001'],
    [-2_000_000_000n, 9, '-2.000000000'],
    // 2^53 + 1 nanos: a float would round this to ...992.
    [9_007_199_254_740_993n, 9, '9007199.254740993'],
    [123_456_789_012_345_678_901_234_567n, 9, '123456789012345678.901234567'],
    [12_345n, 0, '12345'],
    [5n, 2, '0.05'],
  ])('%s with %d decimals → %s', (value, decimals, expected) => {
    expect(renderScaledBigint(value, decimals)).toBe(expected);
  });
});

it('names the 0.0.4 text content type', () => {
  expect(metricsContentType).toBe('text/plain; version=0.0.4; charset=utf-8');
});
