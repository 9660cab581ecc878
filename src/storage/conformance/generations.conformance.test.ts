import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ledger, SettleInput } from '../../ledger/index.js';
import { createPostgresLedger } from '../../ledger/postgres/create-postgres-ledger.js';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { GenerationListStore, GenerationRecord, GenerationStore, OrgStore } from '../ports.js';
import type { AsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { toAsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { createPostgresAnalyticsStore } from '../postgres/postgres-analytics-store.js';
import { createPostgresGenerationList } from '../postgres/postgres-generation-list.js';
import { createPostgresGenerationStore } from '../postgres/postgres-generation-store.js';
import { createPostgresOrgStore } from '../postgres/postgres-org-store.js';
import { openSqliteStorage } from '../sqlite/open-sqlite-storage.js';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { describeEachDriver } from './driver-test-support.js';
import { openSecondPool } from './two-node-test-support.js';

interface GenerationPorts {
  readonly generations: AsyncPort<GenerationStore>;
  /** The same store on another node (a second SQLite storage on the file, a second pool). */
  readonly otherNodeGenerations: AsyncPort<GenerationStore>;
  readonly generationList: AsyncPort<GenerationListStore>;
  readonly orgs: AsyncPort<OrgStore>;
  readonly ledger: Pick<AsyncPort<Ledger>, 'grant' | 'placeHold' | 'balance' | 'findHold' | 'postings'>;
  readonly analytics: AsyncAnalyticsStore;
  readonly closeOtherNode: () => Promise<void>;
}

const dayMs = 86_400_000;
const t0 = 1_795_000_000_000;

/** A settled call of `orgId`: its hold is `requestId`, and the settlement table says it owes `chargeNanos`. */
function settledRecord(id: string, orgId: string, settlement: Omit<SettleInput, 'nowMs' | 'attemptCosts'>) {
  return record(id, {
    orgId,
    requestId: settlement.requestId,
    keyId: `key-${orgId}`,
    // What the pipeline priced; the stored cost must be what the ledger charged instead.
    costNanos: 123_456n,
    startedAtMs: t0,
    finishedAtMs: t0 + 1_000,
    settlement: {
      ...settlement,
      attemptCosts: [{ attemptId: `att-${id}`, providerId: 'deepseek', amount: 200n }],
      nowMs: t0 + 1_000,
    },
  });
}

/** A record as the store returns and finds it: the settlement and content are inputs only, never columns. */
function asStored(input: GenerationRecord, costNanos: bigint = input.costNanos): GenerationRecord {
  const { settlement: _settlement, content: _content, ...stored } = input;
  return { ...stored, costNanos };
}

function placeHold(ports: GenerationPorts, orgId: string, requestId: string, amountMax: bigint) {
  return ports.ledger.placeHold({
    requestId,
    orgId,
    keyId: `key-${orgId}`,
    amountMax,
    amountMin: 1n,
    keyLimit: undefined,
    nowMs: t0,
    ttlMs: 3_600_000,
  });
}

describeEachDriver<GenerationPorts>(
  'GenerationStore conformance',
  {
    sqlite: () => {
      const directory = mkdtempSync(join(tmpdir(), 'meridian-generations-'));
      const path = join(directory, 'meridian.db');
      const storage = openSqliteStorage({ path });
      // A second storage on the same file: another process, with its own ledger and generation store.
      const otherNode = openSqliteStorage({ path });
      return {
        ports: {
          generations: toAsyncPort(storage.generations),
          otherNodeGenerations: toAsyncPort(otherNode.generations),
          generationList: toAsyncPort(storage.generationList),
          orgs: toAsyncPort(storage.orgs),
          ledger: toAsyncPort(storage.ledger),
          analytics: toAsyncAnalyticsStore(storage.analytics),
          closeOtherNode: () => Promise.resolve(),
        },
        close: () => {
          otherNode.close();
          storage.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
    postgres: (pool) => {
      const otherPool = openSecondPool(pool);
      return {
        generations: createPostgresGenerationStore(pool),
        otherNodeGenerations: createPostgresGenerationStore(otherPool),
        generationList: createPostgresGenerationList(pool),
        orgs: createPostgresOrgStore(pool),
        ledger: createPostgresLedger(pool),
        analytics: createPostgresAnalyticsStore(pool),
        closeOtherNode: () => otherPool.end(),
      };
    },
  },
  (context) => {
    beforeAll(async () => {
      for (const id of ['default', 'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta']) {
        await context.ports.orgs.ensureOrg({ id, name: id, createdAtMs: 1, markupBasisPoints: 0 });
      }
    });
    afterAll(() => context.ports.closeOtherNode());

    it('round-trips a full record exactly, money above 2^53 included', async () => {
      const { generations } = context.ports;
      const full = record('gen-full', { costNanos: 2n ** 62n + 1n, upstreamCostNanos: 2n ** 53n + 1n });
      expect(await generations.insertGenerations([full])).toEqual([full]);
      expect(await generations.findGeneration('gen-full')).toEqual(full);
    });

    it('round-trips every nullable field as null and false booleans as false', async () => {
      const { generations } = context.ports;
      const sparse = record('gen-sparse', {
        appReferer: null,
        appTitle: null,
        upstreamId: null,
        isStreaming: false,
        tokensInputTotal: null,
        tokensInputCacheRead: null,
        tokensInputCacheWrite: null,
        tokensOutputTotal: null,
        tokensOutputReasoning: null,
        isUsageEstimated: true,
        costNanos: 0n,
        upstreamCostNanos: 0n,
        finishReason: null,
        finishReasonRaw: null,
        ending: 'no_output',
        errorCode: 'upstream_error',
        ttftMs: null,
        throughputTokensPerSecond: null,
        usageRaw: null,
      });
      await generations.insertGenerations([sparse]);
      expect(await generations.findGeneration('gen-sparse')).toEqual(sparse);
    });

    it('keeps an impossible token count as given (the rollups count it as unknown) instead of refusing the batch', async () => {
      const { generations } = context.ports;
      const odd = record('gen-odd', {
        tokensInputTotal: -5,
        tokensOutputTotal: 2.5,
        tokensOutputReasoning: 10 ** 12 + 1,
      });
      await generations.insertGenerations([odd]);
      expect(await generations.findGeneration('gen-odd')).toEqual(odd);
    });

    it('ignores a second insert of the same id (idempotent) and finds nothing for an unknown id', async () => {
      const { generations } = context.ports;
      await generations.insertGenerations([record('gen-3'), record('gen-4')]);
      // The store returns what it was given for a replay; what it keeps is the first.
      expect(await generations.insertGenerations([record('gen-3', { costNanos: 1n }), record('gen-5')])).toEqual([
        record('gen-3', { costNanos: 1n }),
        record('gen-5'),
      ]);
      expect(await generations.findGeneration('gen-3')).toEqual(record('gen-3'));
      expect(await generations.findGeneration('gen-5')).toEqual(record('gen-5'));
      expect(await generations.findGeneration('gen-missing')).toBeUndefined();
    });

    it('keeps the first of an id repeated inside one batch', async () => {
      const { generations } = context.ports;
      await generations.insertGenerations([record('gen-twice', { costNanos: 7n }), record('gen-twice')]);
      expect((await generations.findGeneration('gen-twice'))?.costNanos).toBe(7n);
    });

    it('inserts a batch atomically: one bad record leaves none of the batch behind', async () => {
      const { generations } = context.ports;
      await expect(
        generations.insertGenerations([record('gen-6'), record('gen-7', { costNanos: -1n })]),
      ).rejects.toThrow();
      expect(await generations.findGeneration('gen-6')).toBeUndefined();
      expect(await generations.findGeneration('gen-7')).toBeUndefined();
    });

    it('keeps U+0000 from an upstream in SQLite; PostgreSQL text cannot, so it stores U+FFFD', async () => {
      const { generations } = context.ports;
      await generations.insertGenerations([record('gen-nul', { upstreamId: 'chatcmpl-\u0000x' })]);
      const expected = context.driver === 'sqlite' ? 'chatcmpl-\u0000x' : 'chatcmpl-\uFFFDx';
      expect((await generations.findGeneration('gen-nul'))?.upstreamId).toBe(expected);
    });

    it('stores as cost what the ledger charged, settling the hold in the same batch', async () => {
      const { generations, ledger } = context.ports;
      await ledger.grant({ grantId: 'grant-alpha', orgId: 'alpha', amount: 10_000n, nowMs: t0 });
      expect(await placeHold(context.ports, 'alpha', 'req-alpha-1', 5_000n)).toEqual({ ok: true, amount: 5_000n });
      const input = settledRecord('gen-alpha-1', 'alpha', { requestId: 'req-alpha-1', chargeNanos: 3_000n });
      expect(await generations.insertGenerations([input])).toEqual([{ ...input, costNanos: 3_000n }]);
      expect(await generations.findGeneration('gen-alpha-1')).toEqual(asStored(input, 3_000n));
      expect(await ledger.balance('alpha')).toEqual({
        availableNanos: 7_000n,
        heldNanos: 0n,
        grantedNanos: 10_000n,
        chargedNanos: 3_000n,
      });
      expect(await ledger.findHold('req-alpha-1')).toMatchObject({ status: 'posted', chargedNanos: 3_000n });
      expect(
        (await ledger.postings({ requestId: 'req-alpha-1' })).map((posting) => [posting.kind, posting.amount]),
      ).toEqual([
        ['hold', 5_000n],
        ['charge', 3_000n],
        ['release', 2_000n],
        ['provider_cost', 200n],
      ]);
    });

    it('charges above the hold only what the org still has: the record says what was charged', async () => {
      const { generations, ledger } = context.ports;
      await ledger.grant({ grantId: 'grant-beta', orgId: 'beta', amount: 10_000n, nowMs: t0 });
      await placeHold(context.ports, 'beta', 'req-beta-1', 6_000n);
      const input = settledRecord('gen-beta-1', 'beta', { requestId: 'req-beta-1', chargeNanos: 20_000n });
      expect((await generations.insertGenerations([input]))[0]?.costNanos).toBe(10_000n);
      expect((await generations.findGeneration('gen-beta-1'))?.costNanos).toBe(10_000n);
      expect(await ledger.balance('beta')).toEqual({
        availableNanos: 0n,
        heldNanos: 0n,
        grantedNanos: 10_000n,
        chargedNanos: 10_000n,
      });
    });

    it('replays a settled record without charging or counting it again', async () => {
      const { generations, ledger, analytics } = context.ports;
      await ledger.grant({ grantId: 'grant-gamma', orgId: 'gamma', amount: 10_000n, nowMs: t0 });
      await placeHold(context.ports, 'gamma', 'req-gamma-1', 1_000n);
      const input = settledRecord('gen-gamma-1', 'gamma', { requestId: 'req-gamma-1', chargeNanos: 400n });
      await generations.insertGenerations([input]);
      const replayed = { ...input, settlement: { ...input.settlement!, chargeNanos: 900n } };
      // The replay gets the first settlement's charge back, and nothing is posted or stored again.
      expect(await generations.insertGenerations([replayed, record('gen-gamma-2', { orgId: 'gamma' })])).toEqual([
        { ...replayed, costNanos: 400n },
        record('gen-gamma-2', { orgId: 'gamma' }),
      ]);
      expect(await ledger.balance('gamma')).toMatchObject({ availableNanos: 9_600n, chargedNanos: 400n });
      expect(await ledger.postings({ requestId: 'req-gamma-1' })).toHaveLength(4);
      const activity = await analytics.activity({
        orgId: 'gamma',
        fromMs: t0 - dayMs,
        toMs: t0 + 2 * dayMs,
        groupBy: 'model',
      });
      expect(activity.total).toMatchObject({ requests: 2, costNanos: 400n + record('x').costNanos });
    });

    it('rolls a settlement back with the batch it rides in: the hold stays active, nothing is charged', async () => {
      const { generations, ledger } = context.ports;
      await ledger.grant({ grantId: 'grant-delta', orgId: 'delta', amount: 10_000n, nowMs: t0 });
      await placeHold(context.ports, 'delta', 'req-delta-1', 1_000n);
      const input = settledRecord('gen-delta-1', 'delta', { requestId: 'req-delta-1', chargeNanos: 700n });
      await expect(
        generations.insertGenerations([input, record('gen-delta-bad', { costNanos: -1n })]),
      ).rejects.toThrow();
      expect(await generations.findGeneration('gen-delta-1')).toBeUndefined();
      expect(await ledger.findHold('req-delta-1')).toMatchObject({ status: 'active', chargedNanos: null });
      expect(await ledger.balance('delta')).toEqual({
        availableNanos: 9_000n,
        heldNanos: 1_000n,
        grantedNanos: 10_000n,
        chargedNanos: 0n,
      });
    });

    it('stores and counts each record once when two nodes write the same batch at the same time', async () => {
      const { generations, otherNodeGenerations, ledger, analytics } = context.ports;
      await ledger.grant({ grantId: 'grant-epsilon', orgId: 'epsilon', amount: 100_000n, nowMs: t0 });
      const batch: GenerationRecord[] = [];
      for (let index = 0; index < 20; index += 1) {
        const requestId = `req-epsilon-${index}`;
        await placeHold(context.ports, 'epsilon', requestId, 1_000n);
        batch.push(settledRecord(`gen-epsilon-${index}`, 'epsilon', { requestId, chargeNanos: 100n + BigInt(index) }));
      }
      const [first, second] = await Promise.all([
        generations.insertGenerations(batch),
        otherNodeGenerations.insertGenerations(batch),
      ]);
      const charged = batch.map((input, index) => ({ ...input, costNanos: 100n + BigInt(index) }));
      expect(first).toEqual(charged);
      expect(second).toEqual(charged);
      // 100 + … + 119 = 2 190, charged once.
      expect(await ledger.balance('epsilon')).toEqual({
        availableNanos: 97_810n,
        heldNanos: 0n,
        grantedNanos: 100_000n,
        chargedNanos: 2_190n,
      });
      const activity = await analytics.activity({ orgId: 'epsilon', fromMs: t0, toMs: t0 + dayMs, groupBy: 'key' });
      expect(activity.rows.map((row) => [row.key, row.requests, row.costNanos])).toEqual([['key-epsilon', 20, 2_190n]]);
    });

    it('settles batches of two nodes naming the same orgs in opposite orders without a deadlock', async () => {
      const { generations, otherNodeGenerations, ledger } = context.ports;
      for (const orgId of ['zeta', 'eta']) {
        await ledger.grant({ grantId: `grant-${orgId}`, orgId, amount: 1_000_000n, nowMs: t0 });
      }
      const settled = async (orgId: string, name: string) => {
        await placeHold(context.ports, orgId, `req-${name}`, 1_000n);
        return settledRecord(`gen-${name}`, orgId, { requestId: `req-${name}`, chargeNanos: 10n });
      };
      for (let round = 0; round < 10; round += 1) {
        const first = [await settled('zeta', `zeta-${round}-1`), await settled('eta', `eta-${round}-1`)];
        const second = [await settled('eta', `eta-${round}-2`), await settled('zeta', `zeta-${round}-2`)];
        await Promise.all([generations.insertGenerations(first), otherNodeGenerations.insertGenerations(second)]);
      }
      expect(await ledger.balance('zeta')).toMatchObject({ heldNanos: 0n, chargedNanos: 200n });
      expect(await ledger.balance('eta')).toMatchObject({ heldNanos: 0n, chargedNanos: 200n });
    });

    it('lists one org, newest first, ties by id descending in byte order, at most `limit`', async () => {
      const { generations, generationList } = context.ports;
      await generations.insertGenerations([
        record('gen-a', { orgId: 'acme', startedAtMs: 1_000 }),
        record('gen-b', { orgId: 'acme', startedAtMs: 3_000 }),
        record('gen-c', { orgId: 'acme', startedAtMs: 2_000 }),
        record('gen-d', { orgId: 'acme', startedAtMs: 3_000 }),
        record('gen-D', { orgId: 'acme', startedAtMs: 3_000 }),
        record('gen-x', { orgId: 'other', startedAtMs: 9_000 }),
      ]);
      const ids = async (orgId: string, limit: number) =>
        (await generationList.listRecentGenerations({ orgId, limit })).map((item) => item.id);
      expect(await ids('acme', 10)).toEqual(['gen-d', 'gen-b', 'gen-D', 'gen-c', 'gen-a']);
      expect(await ids('acme', 2)).toEqual(['gen-d', 'gen-b']);
      expect(await ids('other', 10)).toEqual(['gen-x']);
      expect(await ids('nobody', 10)).toEqual([]);
    });

    it('lists records exactly as stored, money above 2^53 included', async () => {
      const { generations, generationList } = context.ports;
      const full = record('gen-listed', { orgId: 'listed', costNanos: 2n ** 62n + 1n });
      await generations.insertGenerations([full]);
      expect(await generationList.listRecentGenerations({ orgId: 'listed', limit: 1 })).toEqual([full]);
    });
  },
);
