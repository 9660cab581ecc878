/** Nano-units (1e-9 USD) as an exact decimal number of USD for JSON (`usage.cost`, `total_cost`). */
export function renderNanos(nanos: bigint): number {
  const isNegative = nanos < 0n;
  const digits = (isNegative ? -nanos : nanos).toString().padStart(10, '0');
  const text = `${digits.slice(0, -9)}.${digits.slice(-9)}`;
  return Number(isNegative ? `-${text}` : text);
}

/**
 * Nano-units as exact USD text for people (the CLI): every digit kept, however large, trailing zeros dropped
 * (`0.000000001`, `10`, `123456789.123456789`), never exponent notation.
 */
export function renderUsdText(nanos: bigint): string {
  return renderUsdFixed(nanos).replace(/\.?0+$/, '');
}

/** Nano-units as exact USD text with all 9 decimals (`0.000000001`, `10.000000000`), for CSV: every digit kept. */
export function renderUsdFixed(nanos: bigint): string {
  const isNegative = nanos < 0n;
  const digits = (isNegative ? -nanos : nanos).toString().padStart(10, '0');
  return `${isNegative ? '-' : ''}${digits.slice(0, -9)}.${digits.slice(-9)}`;
}
