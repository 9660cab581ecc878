import { AnalyticsQueryError } from './analytics-query-error.js';

/**
 * Checks a value against its closed list at run time too: the HTTP layer may hand over a query string
 * cast to the type, and SQL is built from the matching column name.
 */
export function parseOneOf<T extends string>(value: T, allowed: readonly T[], param: string): T {
  if (allowed.includes(value)) return value;
  throw new AnalyticsQueryError(param, `${param} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
}

/** An integer in [min, max]; absent → the default. Out of range is an error, never clamped. */
export function parseInteger(
  value: number | undefined,
  bounds: { readonly min: number; readonly max: number; readonly default: number },
  param: string,
): number {
  if (value === undefined) return bounds.default;
  if (Number.isInteger(value) && value >= bounds.min && value <= bounds.max) return value;
  throw new AnalyticsQueryError(param, `${param} must be an integer from ${bounds.min} to ${bounds.max}`);
}
