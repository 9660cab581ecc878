const nanosPerUnit = 1_000_000_000n;

/**
 * Nano-units → a USD decimal for messages: at least two decimals, no trailing
 * zeros beyond them (280_000_000n → "0.28", 100_000_000n → "0.10", 1n → "0.000000001").
 */
export function formatUsd(nanos: bigint): string {
  const whole = nanos / nanosPerUnit;
  const fraction = (nanos % nanosPerUnit).toString().padStart(9, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}
