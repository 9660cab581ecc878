import { parsePriceNanosPerMillion } from '../catalog/index.js';
import { GatewayError } from '../errors/index.js';

/** A price string longer than this is a 400 rather than a huge bigint (no real ceiling needs 64 characters). */
const priceTextLengthMax = 64;

/** Catalog prices carry at most 9 decimals (one nano-unit); finer digits of a ceiling cannot change a comparison. */
const nanoDecimals = 9;

/**
 * A `max_price` ceiling in USD per 1M tokens (a JSON number or a decimal string,
 * ≥ 0) → integer nano-units per 1M tokens, exactly: numbers go through their
 * shortest round-trip decimal (0.1 → "0.1", 1e-7 → "0.0000001"), never through
 * float arithmetic. Digits beyond the ninth decimal are dropped: prices are whole
 * nano-units, so `price ≤ ceiling` holds exactly when `price ≤ floor(ceiling)`.
 */
export function parseMaxPrice(value: unknown, param: string): bigint {
  const text = readDecimalText(value);
  if (text === undefined || text.length > priceTextLengthMax || !/^\d+(\.\d+)?$/.test(text)) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `${param} must be a price ≥ 0 in USD per 1M tokens: a number or a decimal string such as "0.28".`,
      param,
    });
  }
  const [whole = '0', fraction = ''] = text.split('.');
  const kept = fraction.slice(0, nanoDecimals);
  return parsePriceNanosPerMillion(kept === '' ? whole : `${whole}.${kept}`);
}

function readDecimalText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return expandExponent(String(value));
}

/** `String(number)` writes exponents outside 1e-7 … 1e21 ("1e-7", "1.5e+21"): spell them out in plain digits. */
function expandExponent(text: string): string {
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}
