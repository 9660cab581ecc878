import { describe, expect, it } from 'vitest';
import type { GenerationContent } from '../ports.js';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import {
  boundContent,
  createSqliteGenerationContentStore,
  renderTruncationMarker,
} from './sqlite-generation-content.js';
import { createSqliteGenerationStore } from './sqlite-generation-store.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';

const dayMs = 86_400_000;
const t0 = 1_795_000_000_000;

/** One in-memory database with the three stores over it, and raw access to the content rows. */
function openStores(options: { readonly contentBytesMax?: number } = {}) {
  const database = openSqliteDatabase({ path: ':memory:' });
  migrateSqlite(database);
  const orgs = createSqliteOrgStore(database, { now: () => t0 });
  const generations = createSqliteGenerationStore(database, options);
  const content = createSqliteGenerationContentStore(database);
  for (const id of ['alpha', 'beta', 'gamma']) orgs.ensureOrg({ id, name: id, createdAtMs: 1, markupBasisPoints: 0 });
  const rows = () =>
    database.prepare('SELECT * FROM generation_content ORDER BY generation_id').all() as Record<string, unknown>[];
  return { database, orgs, generations, content, rows };
}

const chat = (prompt: string, answer: string): GenerationContent => ({
  promptJson: JSON.stringify([{ role: 'user', content: [{ type: 'text', text: prompt }] }]),
  completionJson: JSON.stringify([{ index: 0, content: [{ type: 'text', text: answer }] }]),
});

describe('generation content insert', () => {
  it('stores content only for records that carry it and whose org has logging on, in the record batch', () => {
    const { orgs, generations, rows, database } = openStores();
    orgs.setPromptLogging('alpha', { isEnabled: true, retentionDays: 7 });
    generations.insertGenerations([
      record('gen-a1', { orgId: 'alpha', startedAtMs: t0, content: chat('hello alpha', 'hi') }),
      record('gen-a2', { orgId: 'alpha', startedAtMs: t0 + 1 }),
      record('gen-b1', { orgId: 'beta', startedAtMs: t0 + 2, content: chat('hello beta', 'hi') }),
    ]);
    expect(rows()).toEqual([
      {
        generation_id: 'gen-a1',
        org_id: 'alpha',
        created_at_ms: t0,
        prompt_json: '[{"role":"user","content":[{"type":"text","text":"hello alpha"}]}]',
        completion_json: '[{"index":0,"content":[{"type":"text","text":"hi"}]}]',
      },
    ]);
    // The records themselves are all stored, and never carry content back out.
    expect(database.prepare('SELECT COUNT(*) FROM generations').pluck().get()).toBe(3);
    expect(generations.findGeneration('gen-a1')).toEqual(record('gen-a1', { orgId: 'alpha', startedAtMs: t0 }));
  });

  it('truncates over the bound with the marker, and reads the flags back', () => {
    const { orgs, generations, rows, content } = openStores({ contentBytesMax: 1_024 });
    orgs.setPromptLogging('alpha', { isEnabled: true, retentionDays: 7 });
    const promptJson = JSON.stringify('a'.repeat(3_000));
    generations.insertGenerations([
      record('gen-1', { orgId: 'alpha', startedAtMs: t0, content: { promptJson, completionJson: '["ok"]' } }),
    ]);
    const marker = renderTruncationMarker(3_002);
    expect(marker).toBe('…[truncated by Meridian: 3002 bytes]');
    const expectedPrompt = promptJson.slice(0, 1_024 - 6 - Buffer.byteLength(marker)) + marker;
    expect(rows()[0]!['prompt_json']).toBe(expectedPrompt);
    expect(Buffer.byteLength(expectedPrompt) + Buffer.byteLength('["ok"]')).toBe(1_024);
    expect(content.findContent('gen-1', t0)).toEqual({
      generationId: 'gen-1',
      orgId: 'alpha',
      createdAtMs: t0,
      promptJson: expectedPrompt,
      completionJson: '["ok"]',
      isPromptTruncated: true,
      isCompletionTruncated: false,
    });
  });
});

describe('boundContent', () => {
  const marker = (bytes: number) => renderTruncationMarker(bytes);
  const markerBytes = (bytes: number) => Buffer.byteLength(marker(bytes));

  it('leaves content that fits unchanged (the same object)', () => {
    const fits = { promptJson: 'p'.repeat(600), completionJson: 'c'.repeat(424) };
    expect(boundContent(fits, 1_024)).toBe(fits);
  });

  it('cuts only the larger side when the smaller fits in half the bound', () => {
    const bounded = boundContent({ promptJson: 'p'.repeat(100), completionJson: 'c'.repeat(5_000) }, 1_024);
    expect(bounded).toEqual({
      promptJson: 'p'.repeat(100),
      completionJson: 'c'.repeat(924 - markerBytes(5_000)) + marker(5_000),
    });
  });

  it('gives each side half when both are large', () => {
    const bounded = boundContent({ promptJson: 'p'.repeat(4_000), completionJson: 'c'.repeat(3_000) }, 1_024);
    expect(bounded).toEqual({
      promptJson: 'p'.repeat(512 - markerBytes(4_000)) + marker(4_000),
      completionJson: 'c'.repeat(512 - markerBytes(3_000)) + marker(3_000),
    });
  });

  it('never splits a multi-byte character', () => {
    // '€' is 3 bytes and the budget left beside the marker (986) is not a multiple of 3: the cut falls inside one.
    const text = '€'.repeat(2_000);
    const bounded = boundContent({ promptJson: text, completionJson: '' }, 1_024);
    expect(1_024 - markerBytes(6_000)).toBe(986);
    expect(bounded.promptJson).toBe('€'.repeat(328) + marker(6_000));
    expect(Buffer.byteLength(bounded.promptJson)).toBe(1_022);
  });
});

// Replays, the stale switch, findContent's retention and the retention purge are conformance cases on both drivers
// (src/storage/conformance/generation-content.conformance.test.ts).
describe('purgeExpiredContent', () => {
  it('deletes at most rowsMax per call, oldest first within an org', () => {
    const { orgs, generations, content, rows } = openStores();
    orgs.setPromptLogging('alpha', { isEnabled: true, retentionDays: 1 });
    generations.insertGenerations(
      [5, 4, 3, 2].map((ageDays) =>
        record(`gen-${ageDays}`, { orgId: 'alpha', startedAtMs: t0 - ageDays * dayMs, content: chat('q', 'a') }),
      ),
    );
    expect(content.purgeExpiredContent(t0, 3)).toBe(3);
    expect(rows().map((row) => row['generation_id'])).toEqual(['gen-2']);
    expect(content.purgeExpiredContent(t0, 3)).toBe(1);
    expect(rows()).toEqual([]);
  });
});
