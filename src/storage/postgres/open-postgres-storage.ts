import type { KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { limits } from '../../config/index.js';
import { createIdempotencyService } from '../../idempotency/index.js';
import { createPostgresLedger } from '../../ledger/postgres/create-postgres-ledger.js';
import type { GenerationStore, ServingLedger, ServingPort, ServingStorage } from '../ports.js';
import type { AvailabilityGuard } from './guard-availability.js';
import { createAvailabilityGuard, guardPort } from './guard-availability.js';
import { migratePostgres } from './migrate-postgres.js';
import { acceptsStartupSettings, openPostgresPool } from './open-postgres-pool.js';
import { watchPoolLiveness } from './watch-pool-liveness.js';
import type { AsyncAnalyticsStore } from './async-analytics-store.js';
import { createPostgresAnalyticsStore } from './postgres-analytics-store.js';
import { createPostgresCreditCodeStore } from './postgres-credit-code-store.js';
import { createPostgresGenerationContentStore } from './postgres-generation-content.js';
import { createPostgresGenerationList } from './postgres-generation-list.js';
import { createPostgresGenerationStore } from './postgres-generation-store.js';
import { createPostgresIdempotencyStore } from './postgres-idempotency-store.js';
import { createPostgresKeyStore } from './postgres-key-store.js';
import { createPostgresOrgStore } from './postgres-org-store.js';
import { createPostgresProviderStore } from './postgres-provider-store.js';

/** A node's storage in cluster mode, plus what only cluster mode has. */
export interface PostgresStorage extends ServingStorage {
  readonly driver: 'postgres';
  readonly pool: Pool;
  /**
   * The server refused or dropped the session settings sent at connection start: a pooler (PgBouncer) is in front of
   * PostgreSQL. Each transaction then sets them locally and admissions carry their statement's text (docs/cluster.md).
   */
  readonly isBehindPooler: boolean;
  /** The breaker in front of PostgreSQL (readiness and the journal read it). */
  readonly availability: AvailabilityGuard;
  /**
   * The record store the node's journal drains into, on connections of its own (`limits.postgresJournalConnectionsMax`):
   * not behind the guard (a backlog's batch may take longer than a serving call may wait; PostgreSQL's own statement
   * and connection timeouts bound it).
   */
  readonly journalStore: ServingPort<GenerationStore>;
}

/**
 * Opens cluster mode's storage (`storage.url: postgres://…`): one pool, every migration applied (under an advisory
 * lock, so nodes starting together migrate once), and every port behind one availability guard — a stopped or
 * frozen PostgreSQL turns each call into 503 `ledger_unavailable` within `limits.ledgerCallTimeoutMs` (ADR 2026-11-30-cluster-storage). Generation records are written through the
 * node's journal (src/storage/journal/), not by the serving path directly.
 */
export async function openPostgresStorage(
  url: string,
  options: {
    /** Seals stored Idempotency-Key answers; derived from the key pepper, which every node of the cluster shares. */
    readonly idempotencySealKey: KeyObject;
  },
): Promise<PostgresStorage> {
  const isBehindPooler = !(await acceptsStartupSettings(url));
  const pool = openPostgresPool(url, { startupSettings: !isBehindPooler });
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const guard = createAvailabilityGuard({ liveness: watchPoolLiveness(pool) });
  const guarded = <T extends object>(port: T): T => guardPort(port, guard);
  // Settlements drain on connections of their own: never queued behind a burst of admissions on a busy node, where
  // a settlement late by more than a hold's TTL would find its hold expired and charge nothing.
  const journalPool = openPostgresPool(url, {
    startupSettings: !isBehindPooler,
    connectionsMax: limits.postgresJournalConnectionsMax,
  });
  return {
    driver: 'postgres',
    pool,
    isBehindPooler,
    availability: guard,
    ledger: guardLedger(createPostgresLedger(pool), guard),
    creditCodes: guarded(createPostgresCreditCodeStore(pool)),
    idempotency: createIdempotencyService({
      store: guarded(createPostgresIdempotencyStore(pool, options.idempotencySealKey)),
      now: Date.now,
    }),
    analytics: guardAnalytics(createPostgresAnalyticsStore(pool), guard),
    generations: guarded(createPostgresGenerationStore(pool)),
    journalStore: createPostgresGenerationStore(journalPool),
    generationContent: guarded(createPostgresGenerationContentStore(pool)),
    generationList: guarded(createPostgresGenerationList(pool)),
    keys: guarded(createPostgresKeyStore(pool)),
    orgs: guarded(createPostgresOrgStore(pool)),
    providers: guarded(createPostgresProviderStore(pool)),
    ping: async () => {
      await guard.run(() => pool.query('SELECT 1'));
    },
    close: async () => {
      await Promise.all([pool.end(), journalPool.end()]);
    },
  };
}

/**
 * Every ledger call guarded (bounded by `limits.ledgerCallTimeoutMs`). An admission given up on may still land (a frozen server that thaws runs the statement it had received):
 * when its late answer says a hold was placed, that hold is given back at once (charge 0), retried a few times while
 * PostgreSQL cannot answer; past that, the reconciler expires it after its TTL.
 */
function guardLedger(ledger: ServingLedger, guard: AvailabilityGuard): ServingLedger {
  const guarded = guardPort(ledger, guard);
  const releaseLateHold = async (requestId: string): Promise<void> => {
    for (let attempt = 1; attempt <= lateReleaseAttemptsMax; attempt += 1) {
      try {
        await ledger.settle({ requestId, chargeNanos: 0n, attemptCosts: [], nowMs: Date.now() });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, lateReleaseDelayMs * attempt));
      }
    }
  };
  return {
    ...guarded,
    placeHold: async (input) => {
      const attempt = Promise.resolve(ledger.placeHold(input));
      try {
        return await guard.run(() => attempt);
      } catch (error) {
        attempt.then((late) => (late.ok ? releaseLateHold(input.requestId) : undefined)).catch(() => undefined);
        throw error;
      }
    },
  };
}

/** Tries to give back a late hold (see {@link guardLedger}); the pauses grow by this much per try. */
const lateReleaseAttemptsMax = 5;
const lateReleaseDelayMs = 1_000;

/** The barometer's queries behind the same guard (spelled out: their methods are generic in the measure). */
function guardAnalytics(analytics: AsyncAnalyticsStore, guard: AvailabilityGuard): AsyncAnalyticsStore {
  return {
    rankings: (params) => guard.run(() => analytics.rankings(params)),
    timeSeries: (params) => guard.run(() => analytics.timeSeries(params)),
    activity: (params) => guard.run(() => analytics.activity(params)),
  };
}
