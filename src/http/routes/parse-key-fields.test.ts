import { describe, expect, it } from 'vitest';
import { parseKeyFields, readUsd } from './parse-key-fields.js';

describe('readUsd', () => {
  it('reads a JSON number written in exponent form as the amount it is (JSON.stringify(0.0000001) is 1e-7)', () => {
    expect(readUsd(1e-7, 'limit')).toBe(100n);
    expect(readUsd(5e-7, 'amount')).toBe(500n);
    expect(readUsd(2.5e-8, 'amount')).toBe(25n);
    expect(readUsd(0.1, 'amount')).toBe(100_000_000n);
  });

  it('round-trips a key limit the API renders as a number (limit: 5e-7) through a PATCH', () => {
    expect(parseKeyFields({ limit: JSON.parse(JSON.stringify({ limit: 0.0000005 })).limit })).toEqual({
      limitNanos: 500n,
    });
  });

  it('still refuses more than 9 decimals, a negative amount and one past 1e9 USD, in either form', () => {
    for (const value of [1.5e-10, 1e-10, -1e-7, -2, 1e21, 2e9, '1e-7', '0.0000000001']) {
      expect(() => readUsd(value, 'limit')).toThrow(/^limit: must be/);
    }
  });
});
