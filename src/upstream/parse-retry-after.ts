/** Longest Retry-After honoured; a provider asking for an hour must not park requests that long. */
export const retryAfterSecondsMax = 300;

/**
 * Parses a `Retry-After` header (delta seconds or HTTP-date) into whole seconds,
 * capped at `retryAfterSecondsMax`; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), retryAfterSecondsMax);
  // Only an HTTP-date (e.g. "Sun, 22 Nov 2026 12:00:30 GMT"); V8's Date.parse would also accept "1.5" or "-5".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.min(Math.max(0, Math.ceil((dateMs - nowMs) / 1000)), retryAfterSecondsMax);
}
