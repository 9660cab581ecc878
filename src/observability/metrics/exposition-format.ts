/**
 * Primitives of the Prometheus text exposition format 0.0.4: escaping, label
 * sets and numbers. Kept apart from the metrics so the exact byte rules live in
 * one file that a test pins down.
 */

/** The `Content-Type` of a `/metrics` response in text format 0.0.4. */
export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';

const labelValueSpecial = /[\\"\n]/;
const helpSpecial = /[\\\n]/;

/** Label values escape backslash, double quote and line feed; everything else is written as is (UTF-8). */
export function escapeLabelValue(value: string): string {
  if (!labelValueSpecial.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only (a double quote is literal there). */
export function escapeHelp(help: string): string {
  if (!helpSpecial.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `a="x",b="y"` without braces (a histogram appends `le`); empty for a metric without labels. */
export function renderLabelPairs(names: readonly string[], values: readonly string[]): string {
  let text = '';
  for (let index = 0; index < names.length; index += 1) {
    if (index > 0) text += ',';
    text += `${names[index]}="${escapeLabelValue(values[index] ?? '')}"`;
  }
  return text;
}

/** Wraps label pairs in braces; a metric without labels has no braces at all. */
export function renderLabelSet(pairs: string): string {
  return pairs === '' ? '' : `{${pairs}}`;
}

/**
 * A float as Prometheus parses it: `+Inf`, `-Inf`, `NaN`, otherwise JavaScript's shortest round-trip form
 * (`0.005`, `1e+21`), which Go's ParseFloat reads back to the same double.
 */
export function renderNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * An integer count of 10^-decimals units as an exact decimal: `renderScaledBigint(1_500_000_001n, 9)` is
 * `1.500000001`. No float is involved, so values above 2^53 (large spend in nano-USD) render to the last digit.
 */
export function renderScaledBigint(value: bigint, decimals: number): string {
  if (decimals === 0) return value.toString();
  const isNegative = value < 0n;
  const digits = (isNegative ? -value : value).toString().padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return `${isNegative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}
