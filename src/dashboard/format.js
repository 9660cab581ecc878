// Human number formats for the dashboard (PRODUCT.md §1.3: 1.2T tokens, $3.40). Pure functions, no DOM:
// unit-tested in format.test.ts. Unknown values (null, undefined) render as an em dash, never as 0.

const unknown = '—';
const tokenUnits = [
  [1e3, 'K'],
  [1e6, 'M'],
  [1e9, 'B'],
  [1e12, 'T'],
];
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const cents = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isKnown = (value) => value !== null && value !== undefined && Number.isFinite(Number(value));

/** A count in short form: 950 → "950", 1500 → "1.5K", 1_234_000_000_000 → "1.2T" (one decimal, ".0" dropped). */
export function formatTokens(count) {
  if (!isKnown(count)) return unknown;
  const value = Number(count);
  if (Math.abs(value) < 1e3) return String(Math.round(value));
  let index = tokenUnits.findLastIndex(([size]) => Math.abs(value) >= size);
  let rounded = Math.round((value / tokenUnits[index][0]) * 10) / 10;
  // 999_950 rounds to 1000.0K: say 1M instead.
  if (Math.abs(rounded) >= 1e3 && index < tokenUnits.length - 1) {
    index += 1;
    rounded = Math.round((value / tokenUnits[index][0]) * 10) / 10;
  }
  const text = Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
  return text + tokenUnits[index][1];
}

/** An exact count with thousands separators: 1234567 → "1,234,567". */
export function formatInteger(count) {
  return isKnown(count) ? grouped.format(Number(count)) : unknown;
}

/**
 * US dollars: cents from one cent up ("$3.40", "$1,234.50"), two significant digits below ("$0.0042"), exact to
 * the nano-dollar at most. Zero is "$0.00".
 */
export function formatUsd(amount) {
  if (!isKnown(amount)) return unknown;
  const value = Number(amount);
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '$0.00';
  if (magnitude >= 0.01) return `${sign}$${cents.format(magnitude)}`;
  const decimals = Math.min(9, 1 - Math.floor(Math.log10(magnitude)));
  const text = magnitude.toFixed(decimals).replace(/0+$/, '');
  return text === '0.' ? '$0.00' : `${sign}$${text}`;
}

/**
 * What is left to spend, from its exact nano-USD text, rounded down so a balance never reads as more than is there:
 * cents from one cent up ("$14.99" for $14.9987), two significant digits below ("$0.0099" for $0.009999999). Falls
 * back to {@link formatUsd} of the USD number without the text (or for a negative amount).
 */
export function formatBalance(nanos, amount) {
  if (typeof nanos !== 'string' || !/^\d+$/.test(nanos)) return formatUsd(amount);
  const value = BigInt(nanos);
  if (value >= 10_000_000n) return formatUsd(Number(value / 10_000_000n) / 100);
  if (value === 0n) return '$0.00';
  const fraction = value.toString().padStart(9, '0');
  const first = fraction.search(/[1-9]/);
  return `$0.${fraction.slice(0, Math.min(9, first + 2)).replace(/0+$/, '')}`;
}

/** A money value as the API renders it: a USD number, or `{usd, nanos}` (spend); nanos are exact. */
export function readUsd(value) {
  if (value !== null && typeof value === 'object') return Number(value.nanos) / 1e9;
  return isKnown(value) ? Number(value) : null;
}

/**
 * A per-token USD price string as the API publishes it ("0.00000028") → per 1M tokens ("$0.28"), shifted as a
 * decimal string so no float rounding shows: "0.000000028" → "$0.028".
 */
export function formatPricePerMillion(perToken) {
  if (perToken === null || perToken === undefined) return unknown;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(perToken));
  if (match === null) return unknown;
  const fraction = (match[2] ?? '').padEnd(6, '0');
  const whole = (match[1] + fraction.slice(0, 6)).replace(/^0+(?=\d)/, '');
  const rest = fraction.slice(6).replace(/0+$/, '').padEnd(2, '0');
  return `$${grouped.format(Number(whole))}.${rest}`;
}

/** A share of a total (0.6909) → "69.09%". */
export function formatShare(share) {
  return isKnown(share) ? `${(Math.round(Number(share) * 10_000) / 100).toFixed(2)}%` : unknown;
}

/** Growth versus the previous period: 0.25 → "+25.0%", −0.1 → "−10.0%"; null (nothing before) → "new". */
export function formatGrowth(growth) {
  if (growth === null || growth === undefined) return 'new';
  const percent = (Math.abs(growth) * 100).toFixed(1);
  if (percent === '0.0') return '0.0%';
  return `${growth > 0 ? '+' : '−'}${percent}%`;
}

/** Which arrow a growth gets: 'up', 'down', 'flat', or 'new' when there was nothing before. */
export function growthDirection(growth) {
  if (growth === null || growth === undefined) return 'new';
  if (formatGrowth(growth) === '0.0%') return 'flat';
  return growth > 0 ? 'up' : 'down';
}

/** A duration: 850 → "850 ms", 1234 → "1.23 s", 125000 → "125 s". */
export function formatDuration(ms) {
  if (!isKnown(ms)) return unknown;
  const value = Number(ms);
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < 100_000) return `${(value / 1_000).toFixed(2)} s`;
  return `${Math.round(value / 1_000)} s`;
}

/** Output tokens per second: 85.34 → "85.3 tok/s". */
export function formatThroughput(tokensPerSecond) {
  return isKnown(tokensPerSecond) ? `${Number(tokensPerSecond).toFixed(1)} tok/s` : unknown;
}

/** A value already in percent (uptime 99.5) → "99.5%"; at most two decimals, trailing zeros dropped. */
export function formatPercent(percent) {
  return isKnown(percent) ? `${Number(Number(percent).toFixed(2))}%` : unknown;
}

/** An instant (ms or ISO string) in UTC, to the second: "2026-11-30 08:05:09 UTC". */
export function formatDateTime(instant) {
  if (instant === null || instant === undefined) return unknown;
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return unknown;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A calendar date `YYYY-MM-DD` (or the start of an ISO date-time) → "30 Nov". */
export function formatShortDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text ?? ''));
  if (match === null) return unknown;
  return `${Number(match[3])} ${monthNames[Number(match[2]) - 1]}`;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** An origin country code → "China (CN)"; `ZZ` (no country: the sandbox, local servers) → "Unspecified (ZZ)". */
export function formatOrigin(code) {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return String(code ?? unknown);
  if (code === 'ZZ') return 'Unspecified (ZZ)';
  const name = regionNames.of(code);
  return name === undefined || name === code ? code : `${name} (${code})`;
}
