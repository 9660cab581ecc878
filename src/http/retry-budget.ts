/**
 * One retry layer with a budget (RELIABILITY.md): fallback attempts in flight may not
 * exceed 20 % of the calls in flight, with a floor of 3, so an upstream outage cannot
 * multiply the load on the remaining endpoints.
 */
export const retryBudgetShare = 0.2;
export const retryBudgetFloor = 3;

export interface RetryBudget {
  inFlight: number;
}

export function tryAcquireRetry(budget: RetryBudget, callsInFlight: number): boolean {
  const allowed = Math.max(retryBudgetFloor, Math.floor(callsInFlight * retryBudgetShare));
  if (budget.inFlight >= allowed) return false;
  budget.inFlight += 1;
  return true;
}

export function releaseRetry(budget: RetryBudget): void {
  budget.inFlight = Math.max(0, budget.inFlight - 1);
}
