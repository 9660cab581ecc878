// Types of calendar.js (plain JavaScript served to the browser as is) for the TypeScript tests beside it.
export type Period = 'day' | 'week' | 'month';

export function calendarDateOf(instantMs: number): string;
export function parseCalendarDate(text: string | null | undefined): string | null;
export function startOfPeriod(period: Period, date: string): string;
export function shiftPeriod(period: Period, date: string, count: number): string;
export function lastDayOfPeriod(period: Period, date: string): string;
export function comparePeriods(period: Period, date: string, other: string): -1 | 0 | 1;
export function describePeriod(bounds: {
  readonly period: Period;
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
}): string;
export function formatCalendarDate(date: string): string;
