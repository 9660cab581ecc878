import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJournalWriter } from './create-journal-writer.js';
import type { JournalWriter } from './create-journal-writer.js';
import {
  completeRecord,
  createTemporaryDirectory,
  FakeStore,
  listSegments,
  readSegmentLines,
  settledRecord as record,
} from './journal-test-support.js';

const firstSegment = 'segment-0000000000000001.jsonl';
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

function createWriter(store: FakeStore) {
  const errors: Error[] = [];
  const writer = createJournalWriter({
    directory,
    store,
    storeWaitMs: 1,
    retryDelayMsMin: 1,
    retryDelayMsMax: 4,
    onError: (error) => errors.push(error as Error),
  });
  writers.push(writer);
  return { writer, errors };
}

/** A node that journals `ids` (one turn each) while its store is down, then "crashes": it is never closed. */
async function journalThenCrash(ids: readonly string[]): Promise<void> {
  const store = new FakeStore();
  store.failAlways();
  const { writer } = createWriter(store);
  await writer.start();
  for (const id of ids) await writer.write(record(id));
  expect(readSegmentLines(directory, firstSegment)).toHaveLength(ids.length);
}

describe('journal replay', () => {
  it('replays a record with every field exactly as written', async () => {
    const down = new FakeStore();
    down.failAlways();
    const first = createWriter(down).writer;
    await first.start();
    await expect(first.write(completeRecord)).resolves.toEqual(completeRecord);
    const store = new FakeStore();
    const { writer } = createWriter(store);
    await expect(writer.start()).resolves.toEqual({ recordCount: 1, segmentCount: 1, tornLineCount: 0 });
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.batches).toEqual([[completeRecord]]);
  });

  it('after a crash, replays every record once, in order, before new writes, then deletes the segment', async () => {
    await journalThenCrash(['a', 'b', 'c']);
    const store = new FakeStore();
    const { writer, errors } = createWriter(store);
    await expect(writer.start()).resolves.toEqual({ recordCount: 3, segmentCount: 1, tornLineCount: 0 });
    await writer.write(record('d'));
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.calls.flat()).toEqual(['a', 'b', 'c', 'd']);
    expect(store.calls[0]).toEqual(['a', 'b', 'c']);
    expect(store.storedIds).toEqual(['a', 'b', 'c', 'd']);
    expect(errors).toEqual([]);
    await vi.waitFor(() => expect(listSegments(directory)).toEqual([]));
  });

  it('ignores and reports a torn last line, replaying the records before it', async () => {
    await journalThenCrash(['a', 'b']);
    appendFileSync(join(directory, firstSegment), '{"v":1,"group":812,"record":{"id":"gen-');
    const store = new FakeStore();
    const { writer, errors } = createWriter(store);
    await expect(writer.start()).resolves.toEqual({ recordCount: 2, segmentCount: 1, tornLineCount: 1 });
    await vi.waitFor(() => expect(writer.depth).toBe(0));
    expect(store.calls).toEqual([['a', 'b']]);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(
        /^settlement journal: ignored 1 damaged line\(s\) of the last write in .*segment-0000000000000001\.jsonl \(from byte \d+: no trailing newline\)/,
      ),
    ]);
  });

  it('fails start() on a corrupt line in the middle, replays nothing and leaves the file as it was', async () => {
    await journalThenCrash(['a', 'b', 'c']);
    const filePath = join(directory, firstSegment);
    const lines = readFileSync(filePath, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"id":"b"', '"id":"x"');
    writeFileSync(filePath, lines.join('\n'));
    const damaged = readFileSync(filePath);
    const store = new FakeStore();
    const { writer } = createWriter(store);
    await expect(writer.start()).rejects.toThrow(
      /^journal segment segment-0000000000000001\.jsonl, line 2 \(byte \d+\) is corrupt \(checksum mismatch\) and later writes follow it/,
    );
    await expect(writer.write(record('d'))).rejects.toThrow('write() before start() resolved');
    expect(store.calls).toEqual([]);
    expect(readFileSync(filePath)).toEqual(damaged);
  });

  it('close(timeout) with the store down leaves the records on disk; the next start stores them once', async () => {
    const down = new FakeStore();
    down.failAlways();
    const first = createWriter(down).writer;
    await first.start();
    await Promise.all([first.write(record('a')), first.write(record('b'))]);
    await first.close(20);
    expect(first.depth).toBe(2);
    expect(listSegments(directory)).toEqual([firstSegment]);
    expect(readSegmentLines(directory, firstSegment)).toHaveLength(2);
    await expect(first.write(record('c'))).rejects.toMatchObject({ code: 'shutting_down' });

    const store = new FakeStore();
    const { writer } = createWriter(store);
    await expect(writer.start()).resolves.toEqual({ recordCount: 2, segmentCount: 1, tornLineCount: 0 });
    await writer.close(1_000);
    expect(store.calls).toEqual([['a', 'b']]);
    expect(store.storedIds).toEqual(['a', 'b']);
    expect(listSegments(directory)).toEqual([]);
  });

  it('close() makes queued writes durable and drains them when the store answers', async () => {
    const store = new FakeStore();
    const { writer } = createWriter(store);
    await writer.start();
    const written = [writer.write(record('a')), writer.write(record('b'))];
    await writer.close(1_000);
    await expect(Promise.all(written)).resolves.toEqual([
      { ...record('a'), costNanos: 7n },
      { ...record('b'), costNanos: 7n },
    ]);
    expect(store.storedIds).toEqual(['a', 'b']);
    expect(writer.depth).toBe(0);
    expect(listSegments(directory)).toEqual([]);
  });

  it('deletes a segment that holds only a torn line and starts new ones after the highest sequence', async () => {
    writeFileSync(join(directory, 'segment-0000000000000007.jsonl'), '{"v":1,"gr');
    writeFileSync(join(directory, 'notes.txt'), 'not a segment');
    const store = new FakeStore();
    store.hang();
    const { writer, errors } = createWriter(store);
    await expect(writer.start()).resolves.toEqual({ recordCount: 0, segmentCount: 0, tornLineCount: 1 });
    expect(errors).toHaveLength(1);
    await writer.write(record('a'));
    expect(listSegments(directory)).toEqual(['segment-0000000000000008.jsonl']);
    expect(readFileSync(join(directory, 'notes.txt'), 'utf8')).toBe('not a segment');
  });
});
