import { strict as assert } from 'node:assert';
import type { Catalog } from '../catalog/index.js';
import { createHealthTracker } from '../health/index.js';
import type { KeyService } from '../keys/index.js';
import type { GenerationRecord, Storage } from '../storage/index.js';
import { createRandom, deriveSeed } from './create-random.js';
import { createWeekTraffic, weekMs } from './create-week-traffic.js';
import { ensureSimulatedTenants } from './ensure-simulated-tenants.js';
import { weeklyRequestCounts } from './market-curve.js';
import { createRoster } from './market-roster.js';
import { settleSimulatedCall, sizeSimulatedCall } from './settle-simulated-call.js';
import type { SimulationContext, SizedCall } from './settle-simulated-call.js';
import { simulatedApps } from './simulated-apps.js';
import { simulateLimits } from './simulate-limits.js';
import { addToSummary, createSimulationSummary } from './simulation-summary.js';
import type { SimulationSummary } from './simulation-summary.js';

export interface SimulationOptions {
  readonly seed: number;
  readonly weeks: number;
  /** Requests of the window's last week; earlier weeks have fewer, by the market curve. */
  readonly requestsPerWeek: number;
  /** The window's end (exclusive): its weeks are the `weeks` 7-day blocks before it. */
  readonly endMs: number;
}

export interface RunSimulationInput extends SimulationOptions {
  readonly storage: Storage;
  readonly keys: KeyService;
  readonly catalog: Catalog;
  /** How long a hold lives before the reconciler may expire it, as on the serving node. */
  readonly holdTtlMs: number;
  /** After each written batch: calls written so far, of `total`. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Asserts the options are inside the documented bounds (the CLI checks them first, with messages). */
export function assertSimulationOptions(options: SimulationOptions): void {
  assert.ok(Number.isSafeInteger(options.seed) && options.seed >= 0 && options.seed <= simulateLimits.seedMax);
  assert.ok(Number.isSafeInteger(options.weeks) && options.weeks >= 1 && options.weeks <= simulateLimits.weeksMax);
  assert.ok(
    Number.isSafeInteger(options.requestsPerWeek) &&
      options.requestsPerWeek >= 1 &&
      options.requestsPerWeek <= simulateLimits.requestsPerWeekMax,
  );
  assert.ok(Number.isSafeInteger(options.endMs) && options.endMs >= options.weeks * weekMs);
}

/**
 * Backfills simulated traffic through the real money path, week by week, in batches of
 * {@link simulateLimits.batchCountMax} calls in start order: each call is routed and its hold sized as admission
 * does, the batch's orgs are topped up with credit if their holds would not fit, every hold is placed at its
 * call's start time, then each call is settled by the pipeline's settlement and the batch's records, with their
 * settlements, are written in one transaction (`insertGenerations`, which also updates the usage rollups).
 */
export function runSimulation(input: RunSimulationInput): SimulationSummary {
  assertSimulationOptions(input);
  const windowStartMs = input.endMs - input.weeks * weekMs;
  const keysByName = ensureSimulatedTenants({
    storage: input.storage,
    keys: input.keys,
    apps: simulatedApps,
    createdAtMs: windowStartMs,
  });
  const orgIds = [...new Set(simulatedApps.map((app) => app.orgId))];
  const baseContext: Omit<SimulationContext, 'routeRandom'> = {
    catalog: input.catalog,
    health: createHealthTracker(),
    keysByName,
    markupByOrg: new Map(orgIds.map((id) => [id, input.storage.orgs.findOrg(id)?.markupBasisPoints ?? 0])),
    holdTtlMs: input.holdTtlMs,
  };
  const roster = createRoster(input.catalog);
  const counts = weeklyRequestCounts(input.weeks, input.requestsPerWeek);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const summary = createSimulationSummary(windowStartMs, input.endMs);
  summary.orgCount = orgIds.length;
  summary.keyCount = keysByName.size;
  for (const [weekIndex, requestCount] of counts.entries()) {
    const weeksAgo = input.weeks - 1 - weekIndex;
    // The router draws from the week's own seed too, so a week routes alike whatever the window's length.
    const routeRandom = createRandom(deriveSeed(input.seed, simulateLimits.weeksMax + weeksAgo));
    const context: SimulationContext = { ...baseContext, routeRandom: () => routeRandom.next() };
    const calls = createWeekTraffic({
      seed: input.seed,
      weeksAgo,
      weekStartMs: windowStartMs + weekIndex * weekMs,
      requestCount,
      roster,
      apps: simulatedApps,
    });
    for (let start = 0; start < calls.length; start += simulateLimits.batchCountMax) {
      const sized = calls
        .slice(start, start + simulateLimits.batchCountMax)
        .map((call) => sizeSimulatedCall(context, call));
      // Ids derive from the seed and end: an earlier identical run admitted, settled and counted these in the rollups
      // (its hold is kept, though retention may have purged its record since). They are reported, not written again:
      // a record inserted anew after a purge would count in the rollups a second time.
      const isNew = sized.map((call) => input.storage.ledger.findHold(call.hold.requestId) === undefined);
      const fresh = sized.filter((_call, index) => isNew[index]);
      summary.alreadyStored += sized.length - fresh.length;
      summary.grantedNanos += topUpCredit(input, fresh, `${input.seed}:${input.endMs}:${weeksAgo}:${start}`);
      const records = admitAndSettle(input.storage, fresh);
      const stored = input.storage.generations.insertGenerations(records);
      // Every hold covered its call, so the ledger charged exactly what settlement priced.
      stored.forEach((record, index) => assert.equal(record.costNanos, records[index]!.costNanos));
      addToSummary(summary, stored, weeksAgo === 0);
      addToSummary(summary, repeatedRecords(sized, isNew), weeksAgo === 0);
      input.onProgress?.(summary.requests, total);
    }
  }
  return summary;
}

/**
 * Grants each org what its batch's holds need beyond its available credit, rounded up to whole
 * {@link simulateLimits.topUpStepNanos}, dated at the batch's first call (idempotent by grant id).
 */
function topUpCredit(input: RunSimulationInput, sized: readonly SizedCall[], batchId: string): bigint {
  const neededByOrg = new Map<string, bigint>();
  for (const { hold } of sized) neededByOrg.set(hold.orgId, (neededByOrg.get(hold.orgId) ?? 0n) + hold.amountMax);
  const step = simulateLimits.topUpStepNanos;
  let granted = 0n;
  for (const [orgId, needed] of neededByOrg) {
    const shortfall = needed - input.storage.ledger.balance(orgId).availableNanos;
    if (shortfall <= 0n) continue;
    const amount = ((shortfall + step - 1n) / step) * step;
    const nowMs = sized[0]!.hold.nowMs;
    if (input.storage.ledger.grant({ grantId: `sim:${batchId}:${orgId}`, orgId, amount, nowMs })) granted += amount;
  }
  return granted;
}

/** The calls an earlier run stored, as it settled them (the same call settles alike), for the summary alone. */
function repeatedRecords(sized: readonly SizedCall[], isNew: readonly boolean[]): GenerationRecord[] {
  return sized.filter((_call, index) => !isNew[index]).map((call) => settleSimulatedCall(call, call.hold.amountMax));
}

/** Places every hold (each covers its call's whole cost: the orgs were topped up), then settles each call. */
function admitAndSettle(storage: Storage, sized: readonly SizedCall[]): GenerationRecord[] {
  const holds = sized.map((call) => {
    const result = storage.ledger.placeHold(call.hold);
    assert.ok(result.ok, `simulate: hold ${call.hold.requestId} refused (${result.ok ? '' : result.reason})`);
    assert.equal(result.amount, call.hold.amountMax, `simulate: hold ${call.hold.requestId} was not fully funded`);
    return result.amount;
  });
  return sized.map((call, index) => settleSimulatedCall(call, holds[index]!));
}
