import { mkdirSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import type { GenerationRecord } from '../ports.js';
import { createJournalWriter } from './create-journal-writer.js';
import type { JournalWriter, JournalWriterOptions } from './create-journal-writer.js';
import { convertRecordToJson, journalLineOverheadBytesMax } from './journal-line.js';
import {
  createTemporaryDirectory,
  FakeStore,
  listSegments,
  nextTurn,
  readSegmentLines,
  settledRecord as record,
} from './journal-test-support.js';

let directory: string;
let removeDirectory: () => void;
const writers: JournalWriter[] = [];

beforeEach(() => {
  ({ directory, remove: removeDirectory } = createTemporaryDirectory());
});

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close(0);
  removeDirectory();
});

async function openWriter(store: FakeStore, options: Partial<JournalWriterOptions> = {}) {
  const errors: Error[] = [];
  const writer = createJournalWriter({
    directory,
    store,
    storeWaitMs: 60_000,
    retryDelayMsMin: 1,
    retryDelayMsMax: 4,
    onError: (error) => errors.push(error as Error),
    ...options,
  });
  writers.push(writer);
  await writer.start();
  return { writer, errors };
}

const groupOffsets = (lines: readonly string[]) => lines.map((line) => /"group":(\d+)/.exec(line)![1]);

describe('createJournalWriter: group commit', () => {
  it('appends 50 writes of one turn as one group and stores them in one batch', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { storeWaitMs: 20 });
    const written = Array.from({ length: 50 }, (_, index) => writer.write(record(`gen-${index}`)));
    expect(writer.pendingCount).toBe(50);
    const resolved = await Promise.all(written);
    expect(resolved).toEqual(Array.from({ length: 50 }, (_, index) => record(`gen-${index}`)));
    expect(writer.pendingCount).toBe(0);
    expect(writer.depth).toBe(50);
    expect(listSegments(directory)).toEqual(['segment-0000000000000001.jsonl']);
    const lines = readSegmentLines(directory, 'segment-0000000000000001.jsonl');
    expect(lines).toHaveLength(50);
    expect(new Set(groupOffsets(lines))).toEqual(new Set(['0']));
    expect(store.calls).toEqual([Array.from({ length: 50 }, (_, index) => `gen-${index}`)]);
    store.succeed();
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.storedIds).toHaveLength(50);
  });

  it('appends writes of later turns as later groups, in order', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { storeWaitMs: 1 });
    await writer.write(record('a'));
    await Promise.all([writer.write(record('b')), writer.write(record('c'))]);
    const lines = readSegmentLines(directory, 'segment-0000000000000001.jsonl');
    const firstLineBytes = Buffer.byteLength(lines[0]!) + 1;
    expect(lines.map((line) => /"id":"(\w+)"/.exec(line)![1])).toEqual(['a', 'b', 'c']);
    expect(groupOffsets(lines)).toEqual(['0', String(firstLineBytes), String(firstLineBytes)]);
  });

  it('resolves write() with the record as stored when the store takes it in time', async () => {
    const store = new FakeStore();
    const { writer } = await openWriter(store);
    await expect(writer.write(record('a', 42n))).resolves.toEqual({ ...record('a', 42n), costNanos: 42n });
    expect(store.storedIds).toEqual(['a']);
    expect(writer.depth).toBe(0);
  });

  it('takes a synchronous store too: a returned array, or a throw that is retried', async () => {
    const calls: string[][] = [];
    const store = {
      insertGenerations(records: readonly GenerationRecord[]): readonly GenerationRecord[] {
        calls.push(records.map((item) => item.id));
        if (calls.length === 1) throw new Error('busy');
        return records.map((item) => ({ ...item, costNanos: 3n }));
      },
    };
    const writer = createJournalWriter({ directory, store, retryDelayMsMin: 1, onError: () => undefined });
    writers.push(writer);
    await writer.start();
    await expect(writer.write(record('a'))).resolves.toEqual({ ...record('a'), costNanos: 3n });
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('sends a backlog in batches of batchCountMax, in journal order', async () => {
    const store = new FakeStore();
    const { writer } = await openWriter(store, { batchCountMax: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => writer.write(record(id))));
    expect(store.calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('makes queued records durable synchronously on flush()', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { storeWaitMs: 1 });
    const written = [writer.write(record('a')), writer.write(record('b'))];
    writer.flush();
    expect(writer.pendingCount).toBe(0);
    expect(writer.depth).toBe(2);
    expect(readSegmentLines(directory, 'segment-0000000000000001.jsonl')).toHaveLength(2);
    await expect(Promise.all(written)).resolves.toEqual([record('a'), record('b')]);
  });

  it('flush() during an append in flight writes its bytes once, then the queued ones, in order', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { storeWaitMs: 1 });
    const first = writer.write(record('a'));
    await nextTurn();
    expect(writer.pendingCount).toBe(1);
    const second = writer.write(record('b'));
    writer.flush();
    expect(writer.pendingCount).toBe(0);
    await Promise.all([first, second]);
    const lines = readSegmentLines(directory, 'segment-0000000000000001.jsonl');
    expect(lines.map((line) => /"id":"(\w+)"/.exec(line)![1])).toEqual(['a', 'b']);
    expect(groupOffsets(lines)).toEqual(['0', '0']);
    store.succeed();
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.storedIds).toEqual(['a', 'b']);
  });
});

describe('createJournalWriter: store outages', () => {
  it('retries a failing store with back-off: each record stored once, in order, segment deleted', async () => {
    const store = new FakeStore();
    store.failTimes(3);
    const { writer, errors } = await openWriter(store);
    const resolved = await Promise.all(['a', 'b', 'c'].map((id) => writer.write(record(id, 5n))));
    expect(resolved.map((item) => [item.id, item.costNanos])).toEqual([
      ['a', 5n],
      ['b', 5n],
      ['c', 5n],
    ]);
    expect(store.calls).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(store.storedIds).toEqual(['a', 'b', 'c']);
    expect(errors.map((error) => error.message.replace(/oldest for \d+ ms/, 'oldest for N ms'))).toEqual([
      'settlement journal: the store failed; 3 journaled records wait (the oldest for N ms); retrying in 1 ms: store down',
      'settlement journal: the store failed; 3 journaled records wait (the oldest for N ms); retrying in 2 ms: store down',
      'settlement journal: the store failed; 3 journaled records wait (the oldest for N ms); retrying in 4 ms: store down',
    ]);
    expect(errors.map((error) => (error.cause as Error).message)).toEqual(['store down', 'store down', 'store down']);
    expect(writer.depth).toBe(0);
    await vi.waitFor(() => expect(listSegments(directory)).toEqual([]));
  });

  it('resolves write() with the journaled record after storeWaitMs while the store hangs, then drains', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { storeWaitMs: 20 });
    await expect(writer.write(record('a', 9n))).resolves.toEqual(record('a', 9n));
    expect(writer.depth).toBe(1);
    expect(store.storedIds).toEqual([]);
    store.succeed();
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.storedIds).toEqual(['a']);
    expect(store.storedById.get('a')?.costNanos).toBe(9n);
    await vi.waitFor(() => expect(listSegments(directory)).toEqual([]));
  });

  it('rotates to a new segment at segmentBytesMax and deletes each once stored', async () => {
    const store = new FakeStore();
    store.hang();
    const { writer } = await openWriter(store, { segmentBytesMax: 1, storeWaitMs: 1 });
    await writer.write(record('a'));
    await writer.write(record('b'));
    expect(listSegments(directory)).toEqual(['segment-0000000000000001.jsonl', 'segment-0000000000000002.jsonl']);
    expect(readSegmentLines(directory, 'segment-0000000000000002.jsonl')).toHaveLength(1);
    store.succeed();
    await vi.waitFor(() => expect(listSegments(directory)).toEqual([]));
    expect(store.storedIds).toEqual(['a', 'b']);
  });
});

describe('createJournalWriter: bounds and failures', () => {
  it('rejects a write past bytesMax with ledger_unavailable and appends nothing', async () => {
    const store = new FakeStore();
    store.hang();
    const lineBytesMax = Buffer.byteLength(convertRecordToJson(record('a'))) + journalLineOverheadBytesMax;
    const { writer } = await openWriter(store, { bytesMax: lineBytesMax, storeWaitMs: 1 });
    await writer.write(record('a'));
    const rejected = writer.write(record('b'));
    await expect(rejected).rejects.toBeInstanceOf(GatewayError);
    await expect(rejected).rejects.toMatchObject({ code: 'ledger_unavailable', status: 503, isRetryable: true });
    expect(writer.pendingCount).toBe(0);
    expect(writer.depth).toBe(1);
    expect(readSegmentLines(directory, 'segment-0000000000000001.jsonl')).toHaveLength(1);
    store.succeed();
    await vi.waitFor(() => expect(listSegments(directory)).toEqual([]));
    await expect(writer.write(record('c'))).resolves.toEqual({ ...record('c'), costNanos: 7n });
    expect(store.storedIds).toEqual(['a', 'c']);
  });

  it('rejects a first write larger than bytesMax without creating a segment', async () => {
    const store = new FakeStore();
    const { writer } = await openWriter(store, { bytesMax: 1 });
    await expect(writer.write(record('a'))).rejects.toMatchObject({ code: 'ledger_unavailable' });
    expect(listSegments(directory)).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it('stores the records of a failed append directly, refuses to be writable until a probe succeeds, then appends again', async () => {
    const store = new FakeStore();
    const changes: [boolean, string | undefined][] = [];
    const { writer, errors } = await openWriter(store, {
      probeIntervalMs: 5,
      onWritableChange: (isWritable, detail) => changes.push([isWritable, detail]),
    });
    rmSync(directory, { recursive: true });
    // The call was served: its settlement is not lost with the disk, it goes to the store at once.
    await expect(writer.write(record('a'))).resolves.toEqual({ ...record('a'), costNanos: 7n });
    expect(store.calls).toEqual([['a']]);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^settlement journal: an append of 1 records failed: ENOENT/),
    ]);
    expect(writer.isWritable).toBe(false);
    expect(changes).toEqual([[false, expect.stringMatching(/^ENOENT/)]]);
    // The store down too: nothing took the record, so write() rejects with 503 ledger_unavailable.
    store.failTimes(1);
    await expect(writer.write(record('b'))).rejects.toMatchObject({
      code: 'ledger_unavailable',
      message: 'The settlement journal could not be written.',
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(errors.at(-1)?.message).toBe(
      'settlement journal: 1 records whose append failed could not be stored either: store down',
    );
    mkdirSync(directory);
    await vi.waitFor(() => expect(writer.isWritable).toBe(true));
    expect(changes).toEqual([
      [false, expect.stringMatching(/^ENOENT/)],
      [true, undefined],
    ]);
    expect(listSegments(directory)).toEqual([]);
    await expect(writer.write(record('c'))).resolves.toEqual({ ...record('c'), costNanos: 7n });
    expect(store.calls).toEqual([['a'], ['b'], ['c']]);
    expect(store.storedIds).toEqual(['a', 'c']);
  });

  it('rejects writes before start() and after close()', async () => {
    const store = new FakeStore();
    const writer = createJournalWriter({ directory, store, onError: () => undefined });
    writers.push(writer);
    await expect(writer.write(record('a'))).rejects.toThrow('settlement journal: write() before start() resolved');
    await writer.start();
    await writer.close(0);
    await expect(writer.write(record('b'))).rejects.toMatchObject({ code: 'shutting_down' });
    expect(store.calls).toEqual([]);
  });
});
