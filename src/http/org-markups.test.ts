import { describe, expect, it } from 'vitest';
import type { OrgRecord } from '../storage/index.js';
import { createOrgMarkups } from './org-markups.js';

function org(markupBasisPoints: number): OrgRecord {
  return {
    id: 'acme',
    name: 'Acme',
    createdAtMs: 0,
    markupBasisPoints,
    promptLogging: { isEnabled: false, retentionDays: 30 },
  };
}

describe('createOrgMarkups', () => {
  it('reads an org once per TTL, then again (another process changed it)', () => {
    let stored = 2_500;
    let reads = 0;
    let nowMs = 1_000;
    const markups = createOrgMarkups(
      () => {
        reads += 1;
        return org(stored);
      },
      { now: () => nowMs, ttlMs: 5_000 },
    );
    expect(markups.read('acme')).toBe(2_500);
    stored = -1_000;
    nowMs += 4_999;
    expect([markups.read('acme'), reads]).toEqual([2_500, 1]);
    nowMs += 1;
    expect([markups.read('acme'), reads]).toEqual([-1_000, 2]);
  });

  it("applies this node's change at once, and an unknown org has no markup", () => {
    const markups = createOrgMarkups(() => org(0), { now: () => 0, ttlMs: 5_000 });
    expect(markups.read('acme')).toBe(0);
    markups.remember('acme', 12_345);
    expect(markups.read('acme')).toBe(12_345);
    expect(createOrgMarkups(() => undefined, { now: () => 0 }).read('nobody')).toBe(0);
  });

  it('never lets a read that started before a change overwrite it', async () => {
    let answer: ((record: OrgRecord) => void) | undefined;
    const markups = createOrgMarkups(
      () =>
        new Promise<OrgRecord>((resolve) => {
          answer = resolve;
        }),
      { now: () => 0, ttlMs: 5_000 },
    );
    const pending = markups.read('acme');
    markups.remember('acme', 500);
    answer!(org(100));
    // The read answers what it found; the cache keeps the newer change.
    expect(await pending).toBe(100);
    expect(markups.read('acme')).toBe(500);
  });

  it("asks once for a burst of the org's calls, and a call after a change never joins the read before it", async () => {
    const answers: Array<(record: OrgRecord) => void> = [];
    const markups = createOrgMarkups(
      () =>
        new Promise<OrgRecord>((resolve) => {
          answers.push(resolve);
        }),
      { now: () => 0, ttlMs: 0 },
    );
    const burst = Array.from({ length: 20 }, () => markups.read('acme'));
    expect(answers).toHaveLength(1);
    markups.remember('acme', 500);
    const afterChange = markups.read('acme');
    expect(answers).toHaveLength(2);
    answers[0]!(org(100));
    answers[1]!(org(500));
    expect(await Promise.all(burst.map(async (value) => await value))).toEqual(Array.from({ length: 20 }, () => 100));
    expect(await afterChange).toBe(500);
    // Once answered, the next call (the TTL is 0 here) reads again.
    void markups.read('acme');
    expect(answers).toHaveLength(3);
  });
});
