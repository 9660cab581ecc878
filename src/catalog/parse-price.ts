/**
 * A decimal price string per 1M tokens → integer nano-units per 1M tokens, exactly:
 * "0.28" → 280_000_000n, "15" → 15_000_000_000n, "0.000000001" → 1n.
 */
export function parsePriceNanosPerMillion(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(decimal);
  if (match === null)
    throw new Error(`'${decimal}' is not a price: use a decimal string with at most 9 decimals, e.g. "0.28".`);
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return whole * 1_000_000_000n + fraction;
}
