import type { HealthOptions, ResolvedHealthOptions } from './health-defaults.js';
import { healthDefaults } from './health-defaults.js';

const isPositiveInteger = (value: number): boolean => Number.isSafeInteger(value) && value > 0;
const isPositiveDuration = (value: number): boolean => value > 0 && !Number.isNaN(value);

/** Fills in defaults and rejects options that would make the tracker wrong or unbounded (a programming error). */
export function resolveHealthOptions(options: HealthOptions = {}): ResolvedHealthOptions {
  const resolved: ResolvedHealthOptions = {
    breakerWindowMs: options.breakerWindowMs ?? healthDefaults.breakerWindowMs,
    breakerBucketMs: options.breakerBucketMs ?? healthDefaults.breakerBucketMs,
    minimumRequests: options.minimumRequests ?? healthDefaults.minimumRequests,
    failureRateThreshold: options.failureRateThreshold ?? healthDefaults.failureRateThreshold,
    cooldownBaseMs: options.cooldownBaseMs ?? healthDefaults.cooldownBaseMs,
    cooldownMaxMs: options.cooldownMaxMs ?? healthDefaults.cooldownMaxMs,
    probeLeaseMs: options.probeLeaseMs ?? healthDefaults.probeLeaseMs,
    rateLimitsCountAsFailures: options.rateLimitsCountAsFailures ?? healthDefaults.rateLimitsCountAsFailures,
    sampleCapacity: options.sampleCapacity ?? healthDefaults.sampleCapacity,
    sampleMaxAgeMs: options.sampleMaxAgeMs ?? healthDefaults.sampleMaxAgeMs,
    idleEvictionMs: options.idleEvictionMs ?? healthDefaults.idleEvictionMs,
    evictionSweepIntervalMs: options.evictionSweepIntervalMs ?? healthDefaults.evictionSweepIntervalMs,
  };
  assertHealthOptions(resolved);
  return resolved;
}

function assertHealthOptions(options: ResolvedHealthOptions): void {
  const problems: string[] = [];
  if (!isPositiveInteger(options.breakerBucketMs)) problems.push('breakerBucketMs must be a positive integer');
  if (!isPositiveInteger(options.breakerWindowMs) || options.breakerWindowMs % options.breakerBucketMs !== 0) {
    problems.push('breakerWindowMs must be a positive multiple of breakerBucketMs');
  }
  if (!isPositiveInteger(options.minimumRequests)) problems.push('minimumRequests must be a positive integer');
  const threshold = options.failureRateThreshold;
  if (!(threshold > 0 && threshold <= 1)) problems.push('failureRateThreshold must be in (0, 1]');
  if (!isPositiveDuration(options.cooldownBaseMs)) problems.push('cooldownBaseMs must be positive');
  if (!(options.cooldownMaxMs >= options.cooldownBaseMs)) problems.push('cooldownMaxMs must be ≥ cooldownBaseMs');
  if (!isPositiveDuration(options.probeLeaseMs)) problems.push('probeLeaseMs must be positive (Infinity disables it)');
  if (!isPositiveInteger(options.sampleCapacity)) problems.push('sampleCapacity must be a positive integer');
  if (!isPositiveDuration(options.sampleMaxAgeMs)) problems.push('sampleMaxAgeMs must be positive');
  if (!isPositiveDuration(options.idleEvictionMs)) problems.push('idleEvictionMs must be positive');
  if (!isPositiveDuration(options.evictionSweepIntervalMs)) problems.push('evictionSweepIntervalMs must be positive');
  if (problems.length > 0) throw new RangeError(`Invalid health options: ${problems.join('; ')}`);
}
