/**
 * One retry layer with a budget per provider deployment (RELIABILITY.md), so an outage of one endpoint cannot multiply
 * the load on the endpoints its calls fail over to, and a storm of retries to one endpoint cannot starve the fallbacks
 * of calls going elsewhere.
 *
 * A deployment is one endpoint (`endpointKey`: provider id and upstream model), the place a retry is sent. Its active
 * requests are the attempts in flight to it (first attempts and retries, chat and embeddings alike), counted before the
 * attempt asking. A retry (any attempt after a call's first upstream attempt) is admitted to a deployment while the
 * retries in flight to it are fewer than max(3, ⌊20 % × active requests⌋); a refused retry counts nothing.
 */
export const retryBudgetShare = 0.2;
export const retryBudgetFloor = 3;

/** Gives back what an admitted attempt took; calling it twice gives back nothing more. */
export type ReleaseAttempt = () => void;

export interface RetryBudget {
  /**
   * Counts an attempt to `deployment` as in flight; a retry only within the deployment's budget. Returns the attempt's
   * release, or undefined for a retry refused (over budget).
   */
  tryAcquire(deployment: string, isRetry: boolean): ReleaseAttempt | undefined;
  /** Deployments with an attempt in flight: one with none is forgotten, so memory follows the traffic in flight. */
  readonly deploymentCount: number;
}

interface DeploymentLoad {
  attemptsInFlight: number;
  retriesInFlight: number;
}

/** Retries a deployment may have in flight while `attemptsInFlight` attempts (retries included) are. */
export function retriesAllowed(attemptsInFlight: number): number {
  return Math.max(retryBudgetFloor, Math.floor(attemptsInFlight * retryBudgetShare));
}

/** A retry budget for this node, one account per deployment. */
export function createRetryBudget(): RetryBudget {
  const loads = new Map<string, DeploymentLoad>();
  return {
    tryAcquire(deployment, isRetry) {
      const load = loads.get(deployment) ?? { attemptsInFlight: 0, retriesInFlight: 0 };
      if (isRetry && load.retriesInFlight >= retriesAllowed(load.attemptsInFlight)) return undefined;
      load.attemptsInFlight += 1;
      if (isRetry) load.retriesInFlight += 1;
      loads.set(deployment, load);
      let isReleased = false;
      return () => {
        if (isReleased) return;
        isReleased = true;
        load.attemptsInFlight -= 1;
        if (isRetry) load.retriesInFlight -= 1;
        if (load.attemptsInFlight === 0) loads.delete(deployment);
      };
    },
    get deploymentCount() {
      return loads.size;
    },
  };
}
