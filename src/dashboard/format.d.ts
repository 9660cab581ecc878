// Types of format.js (plain JavaScript served to the browser as is) for the TypeScript tests beside it.
type Count = number | null | undefined;

export function formatTokens(count: Count): string;
export function formatInteger(count: Count): string;
export function formatUsd(amount: Count): string;
export function formatBalance(nanos: string | null | undefined, amount: Count): string;
export function readUsd(
  value: number | { readonly usd: number; readonly nanos: string } | null | undefined,
): number | null;
export function formatPricePerMillion(perToken: string | null | undefined): string;
export function formatShare(share: Count): string;
export function formatGrowth(growth: number | null | undefined): string;
export function growthDirection(growth: number | null | undefined): 'up' | 'down' | 'flat' | 'new';
export function formatDuration(ms: Count): string;
export function formatThroughput(tokensPerSecond: Count): string;
export function formatPercent(percent: Count): string;
export function formatDateTime(instant: number | string | null | undefined): string;
export function formatShortDate(text: string | null | undefined): string;
export function formatOrigin(code: string | null | undefined): string;
