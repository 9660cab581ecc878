import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyService } from '../keys/index.js';
import type { KeyService } from '../keys/index.js';
import { openSqliteStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { createSimulationCatalog } from './create-simulation-catalog.js';
import { weekMs } from './create-week-traffic.js';
import { findOrgsWithTraffic } from './ensure-simulated-tenants.js';
import { runSimulation } from './run-simulation.js';
import type { SimulationOptions } from './run-simulation.js';
import { simulatedApps } from './simulated-apps.js';

const catalog = createSimulationCatalog();
/** Monday, Apr 6 2026 00:00 UTC: the window's last week is Mar 30–Apr 5, MARKET.md's last reported week. */
const endMs = Date.UTC(2026, 3, 6);
const options: SimulationOptions = { seed: 1, weeks: 1, requestsPerWeek: 600, endMs };
const holdTtlMs = 31 * 60_000;
let storage: Storage;
let keys: KeyService;

beforeEach(() => {
  // As the CLI opens it: admissions decided in memory and written with each batch's records.
  storage = openSqliteStorage({ path: ':memory:', ledger: { holdCommit: 'batched' } });
  keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 7) });
});

afterEach(() => storage.close());

const run = (onProgress?: (done: number, total: number) => void) =>
  runSimulation({ ...options, storage, keys, catalog, holdTtlMs, ...(onProgress === undefined ? {} : { onProgress }) });

function sumPostings(kind: 'charge' | 'grant' | 'provider_cost'): bigint {
  return storage.ledger
    .postings()
    .filter((posting) => posting.kind === kind)
    .reduce((sum, posting) => sum + posting.amount, 0n);
}

describe('runSimulation', () => {
  it('writes every call through admission and settlement: the ledger verifies and no hold stays open', () => {
    const progress: number[][] = [];
    const summary = run((done, total) => progress.push([done, total]));
    expect(progress).toEqual([
      [512, 600],
      [600, 600],
    ]);
    expect(summary.requests).toBe(600);
    expect(summary.endings).toEqual({
      success: 576,
      no_output: 2,
      client_abort: 8,
      upstream_error_after_output: 2,
      error: 12,
      // The simulator sends no call that asks for the response cache.
      cache: 0,
    });
    expect(storage.ledger.verify(endMs + weekMs, 0).filter((result) => !result.ok)).toEqual([]);
    expect(storage.ledger.activeHolds()).toEqual([]);
    // What the orgs were charged is what the records cost, to the nano; grants paid for all of it.
    expect(sumPostings('charge')).toBe(summary.chargedNanos);
    expect(sumPostings('provider_cost')).toBe(summary.upstreamCostNanos);
    expect(sumPostings('grant')).toBe(summary.grantedNanos);
    expect(summary.chargedNanos).toBeGreaterThan(0n);
    expect(summary.grantedNanos % 100_000_000_000n).toBe(0n);
  });

  it('settles each call’s hold exactly once, dated at the call', () => {
    run();
    const ranking = storage.analytics.rankings({
      period: 'week',
      date: '2026-03-30',
      by: 'model',
      measure: 'requests',
    });
    expect(ranking.requests).toBe(600);
    const first = storage.ledger.postings().find((posting) => posting.kind === 'hold');
    const hold = storage.ledger.findHold(first!.requestId!);
    expect(hold?.status).toBe('posted');
    expect(hold?.createdAtMs).toBeGreaterThanOrEqual(endMs - weekMs);
    expect(storage.generations.findGeneration(first!.requestId!)?.costNanos).toBe(hold?.chargedNanos);
  });

  it('answers the rankings like the barometer: Qwen3.6 Plus first, Chinese models ahead', () => {
    run();
    const byModel = storage.analytics.rankings({
      period: 'week',
      date: '2026-03-30',
      by: 'model',
      measure: 'total_tokens',
    });
    expect(byModel.rows[0]?.key).toBe('qwen/qwen3.6-plus');
    const byOrigin = storage.analytics.rankings({
      period: 'week',
      date: '2026-03-30',
      by: 'origin',
      measure: 'requests',
    });
    expect(byOrigin.rows.map((row) => [row.key, row.value])).toEqual([
      ['CN', 486],
      ['US', 114],
    ]);
    const byApp = storage.analytics.rankings({ period: 'week', date: '2026-03-30', by: 'app', measure: 'requests' });
    expect(byApp.rows[0]?.key).toBe('Forge Agent');
    // One app sends no header: its calls are unattributed, counted in "others".
    expect(byApp.others.keyCount).toBe(1);
  });

  it('creates the orgs and keys once, with the sim- prefix, and a second identical run adds nothing', () => {
    expect(findOrgsWithTraffic(storage)).toEqual({ real: [], simulated: [] });
    const first = run();
    const orgIds = [...new Set(simulatedApps.map((app) => app.orgId))].sort();
    expect(findOrgsWithTraffic(storage)).toEqual({ real: [], simulated: orgIds });
    expect(
      keys
        .listKeys(undefined)
        .map((key) => key.name)
        .sort(),
    ).toEqual(simulatedApps.flatMap((app) => app.keyNames).sort());
    const postings = storage.ledger.postings().length;
    const second = run();
    expect(first.alreadyStored).toBe(0);
    expect(second.alreadyStored).toBe(first.requests);
    expect(second.requests).toBe(first.requests);
    expect(second.chargedNanos).toBe(first.chargedNanos);
    expect(second.grantedNanos).toBe(0n);
    expect(storage.ledger.postings()).toHaveLength(postings);
    expect(keys.listKeys(undefined)).toHaveLength(14);
  });

  it('a second identical run after retention purged the records counts nothing twice in the rollups', () => {
    const first = run();
    const ranking = () =>
      storage.analytics.rankings({ period: 'week', date: '2026-03-30', by: 'model', measure: 'requests' });
    const before = ranking();
    expect(before.requests).toBe(600);
    expect(storage.generationList.purgeGenerationsBefore(endMs, 10_000)).toBe(600);
    const postings = storage.ledger.postings().length;
    const second = run();
    // The barometer's week is one run's: 600 requests, not 1 200.
    expect(ranking()).toEqual(before);
    expect(second.requests).toBe(first.requests);
    expect(second.alreadyStored).toBe(first.requests);
    expect(second.chargedNanos).toBe(first.chargedNanos);
    expect(second.grantedNanos).toBe(0n);
    expect(storage.ledger.postings()).toHaveLength(postings);
    expect(storage.ledger.verify(endMs + weekMs, 0).filter((result) => !result.ok)).toEqual([]);
  });

  it('reports a real org’s traffic apart from simulated traffic', () => {
    storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
    storage.ledger.grant({ grantId: 'g1', orgId: 'acme', amount: 1_000_000n, nowMs: 1 });
    expect(findOrgsWithTraffic(storage)).toEqual({ real: [], simulated: [] });
    storage.ledger.placeHold({
      requestId: 'gen-1',
      orgId: 'acme',
      keyId: 'key_1',
      amountMax: 10n,
      amountMin: 1n,
      keyLimit: undefined,
      nowMs: 2,
      ttlMs: 1_000,
    });
    expect(findOrgsWithTraffic(storage)).toEqual({ real: ['acme'], simulated: [] });
  });
});
