import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type {
  GenerationContent,
  GenerationContentStore,
  GenerationListStore,
  GenerationStore,
  OrgStore,
} from '../ports.js';
import { createPostgresGenerationContentStore } from '../postgres/postgres-generation-content.js';
import { createPostgresGenerationList } from '../postgres/postgres-generation-list.js';
import { createPostgresGenerationStore } from '../postgres/postgres-generation-store.js';
import { createPostgresOrgStore } from '../postgres/postgres-org-store.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';
import { openSqliteStorage } from '../sqlite/open-sqlite-storage.js';
import { renderTruncationMarker } from '../sqlite/sqlite-generation-content.js';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { describeEachDriver } from './driver-test-support.js';

interface ContentPorts {
  readonly generations: AsyncPort<GenerationStore>;
  readonly generationContent: AsyncPort<GenerationContentStore>;
  readonly generationList: AsyncPort<GenerationListStore>;
  readonly orgs: AsyncPort<OrgStore>;
  /** Ids of the stored content rows, sorted bytewise: what a purge left, whether readable or not. */
  readonly listContentIds: () => Promise<string[]>;
}

const dayMs = 86_400_000;
const t0 = 1_795_000_000_000;

const chat = (prompt: string, answer: string): GenerationContent => ({
  promptJson: JSON.stringify([{ role: 'user', content: [{ type: 'text', text: prompt }] }]),
  completionJson: JSON.stringify([{ index: 0, content: [{ type: 'text', text: answer }] }]),
});

/**
 * The prompt-logging rules of src/storage/sqlite/sqlite-generation-content.test.ts on both drivers: content is
 * written with its record (bounded, only while the org has logging on), read only inside the retention, and purged.
 * Each case uses its own orgs (`s<n>-alpha`…), so it starts with no content and its own settings.
 */
describeEachDriver<ContentPorts>(
  'GenerationContentStore conformance',
  {
    sqlite: () => {
      const directory = mkdtempSync(join(tmpdir(), 'meridian-content-'));
      const path = join(directory, 'meridian.db');
      const storage = openSqliteStorage({ path });
      const raw = openSqliteDatabase({ path });
      return {
        ports: {
          generations: toAsyncPort(storage.generations),
          generationContent: toAsyncPort(storage.generationContent),
          generationList: toAsyncPort(storage.generationList),
          orgs: toAsyncPort(storage.orgs),
          listContentIds: () =>
            Promise.resolve(
              raw
                .prepare('SELECT generation_id FROM generation_content ORDER BY generation_id')
                .pluck()
                .all() as string[],
            ),
        },
        close: () => {
          raw.close();
          storage.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
    postgres: (pool) => ({
      generations: createPostgresGenerationStore(pool),
      generationContent: createPostgresGenerationContentStore(pool),
      generationList: createPostgresGenerationList(pool),
      orgs: createPostgresOrgStore(pool),
      listContentIds: async () => {
        const { rows } = await pool.query<{ generation_id: string }>(
          'SELECT generation_id FROM generation_content ORDER BY generation_id COLLATE "C"',
        );
        return rows.map((row) => row.generation_id);
      },
    }),
  },
  (context) => {
    async function createOrgs(prefix: string): Promise<void> {
      for (const name of ['alpha', 'beta', 'gamma']) {
        await context.ports.orgs.ensureOrg({ id: `${prefix}-${name}`, name, createdAtMs: 1, markupBasisPoints: 0 });
      }
    }
    const contentIds = async (prefix: string) =>
      (await context.ports.listContentIds()).filter((id) => id.startsWith(`${prefix}-`));

    it('stores content only for records that carry it and whose org has logging on, in the record batch', async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s1');
      await orgs.setPromptLogging('s1-alpha', { isEnabled: true, retentionDays: 7 });
      await generations.insertGenerations([
        record('s1-a1', { orgId: 's1-alpha', startedAtMs: t0, content: chat('hello alpha', 'hi') }),
        record('s1-a2', { orgId: 's1-alpha', startedAtMs: t0 + 1 }),
        record('s1-b1', { orgId: 's1-beta', startedAtMs: t0 + 2, content: chat('hello beta', 'hi') }),
      ]);
      expect(await contentIds('s1')).toEqual(['s1-a1']);
      expect(await generationContent.findContent('s1-a1', t0)).toEqual({
        generationId: 's1-a1',
        orgId: 's1-alpha',
        createdAtMs: t0,
        promptJson: '[{"role":"user","content":[{"type":"text","text":"hello alpha"}]}]',
        completionJson: '[{"index":0,"content":[{"type":"text","text":"hi"}]}]',
        isPromptTruncated: false,
        isCompletionTruncated: false,
      });
      // The records themselves are all stored, and never carry content back out.
      expect(await generations.findGeneration('s1-a1')).toEqual(
        record('s1-a1', { orgId: 's1-alpha', startedAtMs: t0 }),
      );
      expect(await generations.findGeneration('s1-a2')).toEqual(
        record('s1-a2', { orgId: 's1-alpha', startedAtMs: t0 + 1 }),
      );
      expect(await generations.findGeneration('s1-b1')).toEqual(
        record('s1-b1', { orgId: 's1-beta', startedAtMs: t0 + 2 }),
      );
    });

    it('re-checks the stored setting: a pipeline holding a stale "on" stores nothing once logging is off', async () => {
      const { orgs, generations } = context.ports;
      await createOrgs('s2');
      await orgs.setPromptLogging('s2-alpha', { isEnabled: true, retentionDays: 7 });
      await orgs.setPromptLogging('s2-alpha', { isEnabled: false, retentionDays: 7 });
      await generations.insertGenerations([record('s2-1', { orgId: 's2-alpha', content: chat('late', 'x') })]);
      expect(await contentIds('s2')).toEqual([]);
    });

    it('keeps the first content of a replayed id (the replay inserts neither record nor content)', async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s3');
      await orgs.setPromptLogging('s3-alpha', { isEnabled: true, retentionDays: 7 });
      const at = { orgId: 's3-alpha', startedAtMs: t0 };
      await generations.insertGenerations([record('s3-1', { ...at, content: chat('first', 'one') })]);
      await generations.insertGenerations([record('s3-1', { ...at, content: chat('second', 'two') })]);
      expect((await generationContent.findContent('s3-1', t0))?.promptJson).toBe(
        '[{"role":"user","content":[{"type":"text","text":"first"}]}]',
      );
    });

    it('truncates over the bound (1 MiB) with the marker, and reads the flags back', async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s4');
      await orgs.setPromptLogging('s4-alpha', { isEnabled: true, retentionDays: 7 });
      const promptJson = JSON.stringify(`bb${'a€'.repeat(1_000_000)}`);
      const promptBytes = Buffer.byteLength(promptJson);
      expect(promptBytes).toBe(4_000_004);
      await generations.insertGenerations([
        record('s4-1', { orgId: 's4-alpha', startedAtMs: t0, content: { promptJson, completionJson: '["ok"]' } }),
      ]);
      const marker = renderTruncationMarker(promptBytes);
      expect(Buffer.byteLength(marker)).toBe(41);
      // 1 048 576 − 6 (the completion) − 41 (the marker) = 1 048 529 bytes for the prompt's head: '"bb', then
      // 262 131 × 'a€' (4 bytes each), then 'a' and one byte into a '€' — cut back to before it, never inside.
      const expectedPrompt = `"bb${'a€'.repeat(262_131)}a${marker}`;
      expect(Buffer.byteLength(expectedPrompt)).toBe(1_048_528 + 41);
      expect(await generationContent.findContent('s4-1', t0)).toEqual({
        generationId: 's4-1',
        orgId: 's4-alpha',
        createdAtMs: t0,
        promptJson: expectedPrompt,
        completionJson: '["ok"]',
        isPromptTruncated: true,
        isCompletionTruncated: false,
      });
    });

    it('answers only inside the retention and while logging is on', async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s5');
      await orgs.setPromptLogging('s5-alpha', { isEnabled: true, retentionDays: 2 });
      await generations.insertGenerations([
        record('s5-1', { orgId: 's5-alpha', startedAtMs: t0, content: chat('q', 'a') }),
      ]);
      expect((await generationContent.findContent('s5-1', t0 + 2 * dayMs))?.orgId).toBe('s5-alpha');
      expect(await generationContent.findContent('s5-1', t0 + 2 * dayMs + 1)).toBeUndefined();
      await orgs.setPromptLogging('s5-alpha', { isEnabled: false, retentionDays: 2 });
      expect(await generationContent.findContent('s5-1', t0)).toBeUndefined();
      expect(await generationContent.findContent('s5-missing', t0)).toBeUndefined();
      // Hidden, not deleted: turning logging back on inside the retention shows it again.
      await orgs.setPromptLogging('s5-alpha', { isEnabled: true, retentionDays: 365 });
      expect((await generationContent.findContent('s5-1', t0 + 300 * dayMs))?.orgId).toBe('s5-alpha');
    });

    it("purges rows past each org's own retention, and every row of an org with logging off", async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s6');
      await orgs.setPromptLogging('s6-alpha', { isEnabled: true, retentionDays: 1 });
      await orgs.setPromptLogging('s6-gamma', { isEnabled: true, retentionDays: 7 });
      await orgs.setPromptLogging('s6-beta', { isEnabled: true, retentionDays: 30 });
      const at = (id: string, orgId: string, ageDays: number) =>
        record(id, { orgId, startedAtMs: t0 - ageDays * dayMs, content: chat(id, id) });
      await generations.insertGenerations([
        at('s6-a-old', 's6-alpha', 2),
        at('s6-a-edge', 's6-alpha', 1),
        at('s6-a-new', 's6-alpha', 0),
        at('s6-g-old', 's6-gamma', 8),
        at('s6-g-mid', 's6-gamma', 2),
        at('s6-b-1', 's6-beta', 3),
        at('s6-b-2', 's6-beta', 0),
      ]);
      await orgs.setPromptLogging('s6-beta', { isEnabled: false, retentionDays: 30 });
      // The other cases' rows are all inside their retention at t0 and a day later: the counts are this case's.

      expect(await generationContent.purgeExpiredContent(t0, 100)).toBe(4);
      // Exactly the retention is kept (a row aged exactly 1 day of a 1-day retention stays), older goes.
      expect(await contentIds('s6')).toEqual(['s6-a-edge', 's6-a-new', 's6-g-mid']);
      expect(await generationContent.purgeExpiredContent(t0, 100)).toBe(0);
      // A day later alpha's edge row has expired too.
      expect(await generationContent.purgeExpiredContent(t0 + dayMs, 100)).toBe(1);
      expect(await contentIds('s6')).toEqual(['s6-a-new', 's6-g-mid']);
    });

    it('purges at most rowsMax per call, orgs in id order, oldest first within an org', async () => {
      const { orgs, generations, generationContent } = context.ports;
      await createOrgs('s7');
      await orgs.setPromptLogging('s7-alpha', { isEnabled: true, retentionDays: 1 });
      await orgs.setPromptLogging('s7-beta', { isEnabled: true, retentionDays: 1 });
      await generations.insertGenerations([
        ...[5, 4, 3, 2].map((ageDays) =>
          record(`s7-alpha-${ageDays}`, {
            orgId: 's7-alpha',
            startedAtMs: t0 - ageDays * dayMs,
            content: chat('q', 'a'),
          }),
        ),
        record('s7-beta-9', { orgId: 's7-beta', startedAtMs: t0 - 9 * dayMs, content: chat('q', 'a') }),
      ]);
      expect(await generationContent.purgeExpiredContent(t0, 3)).toBe(3);
      expect(await contentIds('s7')).toEqual(['s7-alpha-2', 's7-beta-9']);
      expect(await generationContent.purgeExpiredContent(t0, 3)).toBe(2);
      expect(await contentIds('s7')).toEqual([]);
    });

    // storage.generation_retention_days. Its records start near 1970, before every other case's: a purge up to
    // 10 000 ms reaches only them, whichever orgs it walks.
    it('purges generation records started before the cutoff, with their content, oldest first, at most rowsMax', async () => {
      const { orgs, generations, generationList } = context.ports;
      await createOrgs('s8');
      await orgs.setPromptLogging('s8-alpha', { isEnabled: true, retentionDays: 365 });
      await generations.insertGenerations([
        record('s8-a1', { orgId: 's8-alpha', startedAtMs: 1_000, content: chat('old', 'x') }),
        record('s8-a2', { orgId: 's8-alpha', startedAtMs: 2_000, content: chat('old too', 'y') }),
        record('s8-a3', { orgId: 's8-alpha', startedAtMs: 20_000, content: chat('recent', 'z') }),
        record('s8-b1', { orgId: 's8-beta', startedAtMs: 500 }),
        record('s8-b2', { orgId: 's8-beta', startedAtMs: 10_000 }),
      ]);
      const kept = async () =>
        (await Promise.all(['s8-a1', 's8-a2', 's8-a3', 's8-b1', 's8-b2'].map((id) => generations.findGeneration(id))))
          .filter((found) => found !== undefined)
          .map((found) => found.id);
      // Orgs in id order (alpha first), each org's oldest first, two at most.
      expect(await generationList.purgeGenerationsBefore(10_000, 2)).toBe(2);
      expect(await kept()).toEqual(['s8-a3', 's8-b1', 's8-b2']);
      expect(await contentIds('s8')).toEqual(['s8-a3']);
      // Strictly before the cutoff: s8-b2, started at it, stays.
      expect(await generationList.purgeGenerationsBefore(10_000, 2)).toBe(1);
      expect(await kept()).toEqual(['s8-a3', 's8-b2']);
      expect(await generationList.purgeGenerationsBefore(10_000, 2)).toBe(0);
    });
  },
);
