/** Nano-units (1e-9 USD) as an exact decimal number of USD for JSON (`usage.cost`, `total_cost`). */
export function renderNanos(nanos: bigint): number {
  const isNegative = nanos < 0n;
  const digits = (isNegative ? -nanos : nanos).toString().padStart(10, '0');
  const text = `${digits.slice(0, -9)}.${digits.slice(-9)}`;
  return Number(isNegative ? `-${text}` : text);
}
