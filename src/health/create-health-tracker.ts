/**
 * Live endpoint health: rolling uptime, TTFT and throughput percentiles, a circuit
 * breaker with exponential ejection and half-open probes, and `Retry-After` holds.
 * Policy from RELIABILITY.md ("Retry, fallback and timeout policy") and PRODUCT.md §3.
 *
 * Time. Every method takes the time as `nowMs` (or in the sample); the tracker never
 * reads a clock, so tests inject time and cluster mode can replay outcomes. Buckets are
 * aligned on multiples of their size since the epoch.
 *
 * Memory. Per endpoint a constant: 60 breaker buckets, 84 uptime buckets (3 numbers each)
 * and two rings of `sampleCapacity` (value, time) pairs — 1,456 float64s, about 12 KB with
 * the defaults. Reads of an unknown key create nothing (routing may ask about anything);
 * writes create the entry lazily. Entries with no admission or outcome for `idleEvictionMs`
 * (1 day: the longest window, so nothing visible is lost) and no running Retry-After are
 * forgotten by a sweep of the map that runs at most once per `evictionSweepIntervalMs`
 * (1 min of observed time, so its O(endpoints) cost is negligible).
 *
 * Uptime = successes ÷ (successes + failures) over 5 min (30 × 10 s buckets), 30 min
 * (30 × 1 min) and 1 day (24 × 1 h); undefined when the window saw no request. A window is
 * the current bucket plus the whole buckets before it, so an outcome leaves it exactly when
 * its bucket turns the window's length old (it counts for between length − bucket and length).
 * Every recorded failure kind counts: client errors are not recorded at all (see health-types).
 *
 * Latency. TTFT and tokens/s keep the most recent `sampleCapacity` (256) samples; those
 * younger than `sampleMaxAgeMs` (30 min) give p50/p75/p90/p99 by nearest rank (always a
 * real sample, no interpolation). 256 samples give a stable p90 and a usable p99 while a
 * sort stays cheap; 30 min matches the middle uptime window. `measuredLatencyMs` and
 * `measuredThroughput` are the p50s. Non-finite or negative measurements are dropped.
 *
 * Circuit breaker, per endpoint (defaults in `healthDefaults`, each with its reason):
 * - closed → open when (checked after every outcome: a success can bring the count up to
 *   the minimum), in the last `breakerWindowMs` (60 s, in 1 s buckets: long enough
 *   to see a trend at modest traffic, short enough to react within a minute), requests ≥
 *   `minimumRequests` (10: one error, or a handful at low traffic, is noise, never an
 *   outage — PRODUCT §3) and failures ÷ requests ≥ `failureRateThreshold` (0.5: a coin-flip
 *   endpoint costs more in retries and TTFT than routing elsewhere).
 * - open for a cooldown of `cooldownBaseMs` (15 s: about a connection pool's recovery and
 *   a typical short Retry-After) doubling on each consecutive re-open up to `cooldownMaxMs`
 *   (5 min: a long outage is re-probed at least every 5 min, so recovery is noticed quickly
 *   while a dead endpoint costs one failed probe per 5 min).
 * - then half-open: `tryAdmit` admits exactly one probe at a time. A probe success closes
 *   the circuit and resets both the failure window and the cooldown exponent; a probe
 *   failure re-opens with the doubled cooldown; `release` frees the slot without a verdict.
 *   Outcomes carry no attempt identity, so the first verdict while a probe is in flight is
 *   taken as the probe's; outcomes of stragglers admitted before the trip change no state.
 *   For the same reason a `release` from any attempt frees the probe slot.
 * - `probeLeaseMs` (35 min, longer than `limits.upstreamTotalTimeoutMs`): a probe that
 *   never reports is presumed leaked and its slot freed, so a pipeline bug cannot eject an
 *   endpoint forever. A request still running cannot outlive it.
 *
 * Retry-After. A failure with `retryAfterMs` (any kind: 429, and 503 with Retry-After)
 * makes the endpoint unavailable until `nowMs + retryAfterMs` (the latest of overlapping
 * holds), independently of the breaker. Rate limits also count as breaker failures
 * (`rateLimitsCountAsFailures`, true): a provider answering 429 to half our traffic is out
 * of capacity for us (the endpoint is one provider key and model), and retrying it burns
 * the retry budget; the ejection then backs off exponentially where a bare Retry-After
 * would let the next wave hit the same wall. Set false for providers whose 429s are known
 * to be per-request noise: rate limits are then left out of the breaker window (and a probe
 * ending in one just frees its slot), but still count in uptime.
 *
 * Availability. `isAvailable` = no Retry-After running and (closed, or half-open with the
 * probe slot free); `tryAdmit` returns true only when `isAvailable` would, and then takes
 * the probe slot if half-open. `snapshot().unavailableUntilMs` is the later of the running
 * Retry-After and the end of the open cooldown (undefined in half-open: it ends with a verdict).
 */
import { strict as assert } from 'node:assert';
import type { EndpointHealthSnapshot, EndpointKey, HealthTracker } from './health-types.js';
import type { HealthOptions } from './health-defaults.js';
import type { EndpointHealth } from './endpoint-health.js';
import { createEndpointHealth } from './endpoint-health.js';
import { resolveHealthOptions } from './resolve-health-options.js';

const unseenSnapshot: EndpointHealthSnapshot = Object.freeze({
  circuit: 'closed',
  uptime: Object.freeze({ last5m: undefined, last30m: undefined, last1d: undefined }),
  recentRequests: 0,
  recentFailures: 0,
  ttftMs: undefined,
  tokensPerSecond: undefined,
  unavailableUntilMs: undefined,
});

function assertTime(nowMs: number): void {
  assert(Number.isFinite(nowMs), `health tracking needs a finite nowMs, got ${nowMs}`);
}

/** An in-memory `HealthTracker` for this node (see the policy above). Throws RangeError on invalid options. */
export function createHealthTracker(options?: HealthOptions): HealthTracker {
  const resolved = resolveHealthOptions(options);
  const endpoints = new Map<EndpointKey, EndpointHealth>();
  let lastSweepMs = -Infinity;

  const evictIdle = (nowMs: number): void => {
    if (nowMs - lastSweepMs < resolved.evictionSweepIntervalMs) return;
    lastSweepMs = nowMs;
    const cutoffMs = nowMs - resolved.idleEvictionMs;
    for (const [key, health] of endpoints) if (health.isIdleSince(cutoffMs, nowMs)) endpoints.delete(key);
  };

  /** For writes: validates time, sweeps, creates the entry on first use. */
  const entryFor = (key: EndpointKey, nowMs: number): EndpointHealth => {
    assertTime(nowMs);
    evictIdle(nowMs);
    let health = endpoints.get(key);
    if (health === undefined) {
      health = createEndpointHealth(resolved, nowMs);
      endpoints.set(key, health);
    }
    return health;
  };

  /** For reads: never creates an entry, so arbitrary keys cannot grow memory. */
  const read = <T>(key: EndpointKey, nowMs: number, whenUnseen: T, reader: (health: EndpointHealth) => T): T => {
    assertTime(nowMs);
    const health = endpoints.get(key);
    return health === undefined ? whenUnseen : reader(health);
  };

  return {
    isAvailable: (key, nowMs) => read(key, nowMs, true, (health) => health.isAvailable(nowMs)),
    measuredLatencyMs: (key, nowMs) => read(key, nowMs, undefined, (health) => health.medianTtftMs(nowMs)),
    measuredThroughput: (key, nowMs) => read(key, nowMs, undefined, (health) => health.medianTokensPerSecond(nowMs)),
    snapshot: (key, nowMs) => read(key, nowMs, unseenSnapshot, (health) => health.snapshot(nowMs)),
    tryAdmit: (key, nowMs) => entryFor(key, nowMs).tryAdmit(nowMs),
    recordSuccess: (key, sample) => entryFor(key, sample.nowMs).recordSuccess(sample),
    recordFailure: (key, sample) => entryFor(key, sample.nowMs).recordFailure(sample),
    release: (key) => endpoints.get(key)?.release(),
  };
}
