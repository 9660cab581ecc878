import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerationRecord } from '../ports.js';
import { createTestGenerationRecord } from '../test-generation-record.js';
import type { JournalStore } from './create-journal-flusher.js';

/** Every field set, money above 2^53 and negative, content and a settlement with two attempt costs. */
export const completeRecord = createTestGenerationRecord('gen-complete', {
  upstreamCostNanos: -9_007_199_254_740_995n,
  content: { promptJson: '[{"role":"user","content":"héllo ✓"}]', completionJson: '[{"index":0}]' },
  settlement: {
    requestId: 'req_1',
    chargeNanos: 18_446_744_073_709_551_617n,
    attemptCosts: [
      { attemptId: 'att_1', providerId: 'deepseek', amount: 0n },
      { attemptId: 'att_2', providerId: 'openai', amount: 123_456_789_012_345_678_901n },
    ],
    nowMs: 1_795_000_001_234,
  },
});

/** A record whose settlement charges `chargeNanos`, so the stored copy (cost = charge) differs from the journaled. */
export function settledRecord(id: string, chargeNanos = 7n): GenerationRecord {
  return createTestGenerationRecord(id, {
    requestId: `req-${id}`,
    settlement: { requestId: `req-${id}`, chargeNanos, attemptCosts: [], nowMs: 1 },
  });
}

type Mode = 'succeed' | 'fail' | 'hang';

/**
 * An in-memory store the test steers: it records every call's ids, stores idempotently by id (like PostgreSQL),
 * and returns records as stored with `costNanos` = the settlement's charge. It can fail the next n calls, fail
 * every call, or hang until told to succeed.
 */
export class FakeStore implements JournalStore {
  /** Every call's records, as received. */
  readonly batches: (readonly GenerationRecord[])[] = [];
  /** Every call's record ids. */
  readonly calls: string[][] = [];
  /** Ids stored, in order, each once. */
  readonly storedIds: string[] = [];
  readonly storedById = new Map<string, GenerationRecord>();
  private mode: Mode = 'succeed';
  private failuresLeft = 0;
  private hung: (() => void)[] = [];

  /** The next `count` calls reject. */
  failTimes(count: number): void {
    this.failuresLeft = count;
  }

  failAlways(): void {
    this.mode = 'fail';
  }

  hang(): void {
    this.mode = 'hang';
  }

  /** Succeeds from now on; calls that hung complete now. */
  succeed(): void {
    this.mode = 'succeed';
    const hung = this.hung;
    this.hung = [];
    for (const release of hung) release();
  }

  insertGenerations(records: readonly GenerationRecord[]): Promise<readonly GenerationRecord[]> {
    this.batches.push(records);
    this.calls.push(records.map((record) => record.id));
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      return Promise.reject(new Error('store down'));
    }
    if (this.mode === 'fail') return Promise.reject(new Error('store down'));
    if (this.mode === 'hang') {
      return new Promise((resolve) => this.hung.push(() => resolve(this.store(records))));
    }
    return Promise.resolve(this.store(records));
  }

  private store(records: readonly GenerationRecord[]): GenerationRecord[] {
    return records.map((record) => {
      const existing = this.storedById.get(record.id);
      if (existing !== undefined) return existing;
      const stored = { ...record, costNanos: record.settlement?.chargeNanos ?? record.costNanos };
      this.storedById.set(record.id, stored);
      this.storedIds.push(record.id);
      return stored;
    });
  }
}

/** A fresh temporary directory, and a function that removes it. */
export function createTemporaryDirectory(): { readonly directory: string; readonly remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-journal-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** The segment files of a journal directory, in name order. */
export function listSegments(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.startsWith('segment-'))
    .sort();
}

/** The lines of a segment file (without their newlines; a last line without one is included). */
export function readSegmentLines(directory: string, name: string): string[] {
  const text = readFileSync(join(directory, name), 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Resolves after the current event-loop turn's I/O callbacks (lets a scheduled append start). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
