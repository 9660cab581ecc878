import { expect, it } from 'vitest';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { OrgStore } from '../ports.js';
import { createPostgresOrgStore } from '../postgres/postgres-org-store.js';
import { migrateSqlite } from '../sqlite/migrate-sqlite.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';
import { createSqliteOrgStore } from '../sqlite/sqlite-org-store.js';
import { describeEachDriver } from './driver-test-support.js';

interface OrgStoreOptions {
  readonly now?: () => number;
  readonly settingCacheTtlMs?: number;
}

interface OrgPorts {
  readonly orgs: AsyncPort<OrgStore>;
  /** Another store on the same storage (another process or node), with its own cache and clock. */
  readonly createOrgStore: (options: OrgStoreOptions) => AsyncPort<OrgStore>;
}

const loggingOff = { isEnabled: false, retentionDays: 30 };

describeEachDriver<OrgPorts>(
  'OrgStore conformance',
  {
    sqlite: () => {
      const database = openSqliteDatabase({ path: ':memory:' });
      migrateSqlite(database);
      return {
        ports: {
          orgs: toAsyncPort(createSqliteOrgStore(database)),
          createOrgStore: (options) => toAsyncPort(createSqliteOrgStore(database, options)),
        },
        close: () => {
          database.close();
        },
      };
    },
    postgres: (pool) => ({
      orgs: createPostgresOrgStore(pool),
      createOrgStore: (options) => createPostgresOrgStore(pool, options),
    }),
  },
  (context) => {
    it('creates an org once and never overwrites it', async () => {
      const { orgs } = context.ports;
      expect(await orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 })).toBe(true);
      expect(await orgs.ensureOrg({ id: 'acme', name: 'Other', createdAtMs: 2, markupBasisPoints: 0 })).toBe(false);
      expect(await orgs.findOrg('acme')).toEqual({
        id: 'acme',
        name: 'Acme',
        createdAtMs: 1,
        markupBasisPoints: 0,
        promptLogging: loggingOff,
      });
      expect(await orgs.setMarkup('acme', 2_500)).toBe(true);
      expect(await orgs.setMarkup('nobody', 2_500)).toBe(false);
      expect(await orgs.setName('acme', 'Acme Renamed 名')).toBe(true);
      expect(await orgs.setName('nobody', 'X')).toBe(false);
      expect((await orgs.listOrgs()).filter((org) => org.id === 'acme')).toEqual([
        { id: 'acme', name: 'Acme Renamed 名', createdAtMs: 1, markupBasisPoints: 2_500, promptLogging: loggingOff },
      ]);
      expect(await orgs.findOrg('nobody')).toBeUndefined();
    });

    it('keeps a discount, a large markup and a creation time past 2^32 exactly', async () => {
      const { orgs } = context.ports;
      await orgs.ensureOrg({ id: 'discount', name: 'D', createdAtMs: 1_767_225_600_123, markupBasisPoints: -10_000 });
      await orgs.ensureOrg({ id: 'markup', name: 'M', createdAtMs: 2, markupBasisPoints: 1_000_000 });
      expect([await orgs.findOrg('discount'), await orgs.findOrg('markup')]).toEqual([
        {
          id: 'discount',
          name: 'D',
          createdAtMs: 1_767_225_600_123,
          markupBasisPoints: -10_000,
          promptLogging: loggingOff,
        },
        { id: 'markup', name: 'M', createdAtMs: 2, markupBasisPoints: 1_000_000, promptLogging: loggingOff },
      ]);
    });

    it('lists orgs oldest first, ties in byte order of the id', async () => {
      const { orgs } = context.ports;
      for (const id of ['order-b', 'order-B', 'order-a']) {
        await orgs.ensureOrg({ id, name: id, createdAtMs: 3, markupBasisPoints: 0 });
      }
      await orgs.ensureOrg({ id: 'order-z', name: 'order-z', createdAtMs: 0, markupBasisPoints: 0 });
      const ids = (await orgs.listOrgs()).map((org) => org.id).filter((id) => id.startsWith('order-'));
      expect(ids).toEqual(['order-z', 'order-B', 'order-a', 'order-b']);
    });

    it('creates an org exactly once when many calls race', async () => {
      const { orgs } = context.ports;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          orgs.ensureOrg({ id: 'race', name: `name-${index}`, createdAtMs: index, markupBasisPoints: 0 }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await orgs.findOrg('race')).toEqual({
        id: 'race',
        name: `name-${winner}`,
        createdAtMs: winner,
        markupBasisPoints: 0,
        promptLogging: loggingOff,
      });
    });

    it('sets prompt logging (off by default) and refuses an out-of-range retention', async () => {
      const { orgs } = context.ports;
      await orgs.ensureOrg({ id: 'logging', name: 'Logging', createdAtMs: 1, markupBasisPoints: 0 });
      expect(await orgs.isPromptLoggingEnabled('logging')).toBe(false);
      expect(await orgs.setPromptLogging('logging', { isEnabled: true, retentionDays: 365 })).toBe(true);
      expect((await orgs.findOrg('logging'))?.promptLogging).toEqual({ isEnabled: true, retentionDays: 365 });
      expect(await orgs.isPromptLoggingEnabled('logging')).toBe(true);
      expect(await orgs.setPromptLogging('nobody', { isEnabled: true, retentionDays: 1 })).toBe(false);
      expect(await orgs.isPromptLoggingEnabled('nobody')).toBe(false);
      await expect(orgs.setPromptLogging('logging', { isEnabled: true, retentionDays: 366 })).rejects.toThrow(
        'retentionDays must be an integer from 1 to 365',
      );
      await expect(orgs.setPromptLogging('logging', { isEnabled: true, retentionDays: 0 })).rejects.toThrow(
        'retentionDays must be an integer from 1 to 365',
      );
      await expect(orgs.setPromptLogging('logging', { isEnabled: true, retentionDays: 1.5 })).rejects.toThrow(
        'retentionDays must be an integer from 1 to 365',
      );
      expect((await orgs.findOrg('logging'))?.promptLogging).toEqual({ isEnabled: true, retentionDays: 365 });
    });

    it("answers the switch from memory: its own writes at once, another store's after the cache TTL", async () => {
      let nowMs = 1_000;
      const serving = context.ports.createOrgStore({ now: () => nowMs, settingCacheTtlMs: 5_000 });
      const other = context.ports.createOrgStore({ now: () => nowMs });
      await serving.ensureOrg({ id: 'cached', name: 'Cached', createdAtMs: 1, markupBasisPoints: 0 });
      expect(await serving.isPromptLoggingEnabled('cached')).toBe(false);
      await other.setPromptLogging('cached', { isEnabled: true, retentionDays: 7 });
      nowMs += 4_999;
      expect(await serving.isPromptLoggingEnabled('cached')).toBe(false);
      nowMs += 1;
      expect(await serving.isPromptLoggingEnabled('cached')).toBe(true);
      await serving.setPromptLogging('cached', { isEnabled: false, retentionDays: 7 });
      expect(await serving.isPromptLoggingEnabled('cached')).toBe(false);
      // The other store's own write (true, at 1 000) is past its 5 s TTL now: it reads the stored switch.
      expect(await other.isPromptLoggingEnabled('cached')).toBe(false);
    });

    it('answers concurrent questions about one org alike', async () => {
      const nowMs = 50_000;
      const serving = context.ports.createOrgStore({ now: () => nowMs, settingCacheTtlMs: 5_000 });
      await serving.ensureOrg({ id: 'burst', name: 'Burst', createdAtMs: 1, markupBasisPoints: 0 });
      await context.ports.orgs.setPromptLogging('burst', { isEnabled: true, retentionDays: 30 });
      const answers = await Promise.all(Array.from({ length: 20 }, () => serving.isPromptLoggingEnabled('burst')));
      expect(answers).toEqual(Array.from({ length: 20 }, () => true));
    });
  },
);
