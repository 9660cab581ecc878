import type { Endpoint, PriceTable } from './catalog-types.js';

const minutesPerDay = 24 * 60;

/** The prices in force at `atMs` (UTC): a matching schedule window (e.g. off-peak), else the base prices. */
export function resolvePrices(endpoint: Endpoint, atMs: number): PriceTable {
  if (endpoint.schedule.length === 0) return endpoint.prices;
  const minute = Math.floor(atMs / 60_000) % minutesPerDay;
  for (const window of endpoint.schedule) {
    const isInside =
      window.fromMinute <= window.toMinute
        ? minute >= window.fromMinute && minute < window.toMinute
        : minute >= window.fromMinute || minute < window.toMinute;
    if (isInside) return window.prices;
  }
  return endpoint.prices;
}
