import { findRank } from './bpe-table.js';
import type { BpeTable } from './bpe-table.js';

/**
 * The same merge as the scan in `count-bpe-tokens.ts` (lowest rank first, leftmost on a tie), in O(n log n): the
 * parts are a linked list over byte offsets, and every adjacent pair that is a token waits in a min-heap ordered by
 * (rank, start). A pair popped after either of its parts changed is stale and skipped: the pair [start, end) is
 * still current exactly when the part at `start` is alive and it and its successor end at `end` (parts only grow,
 * so the same span means the same two parts).
 */
export function countMergedByHeap(table: BpeTable, piece: Uint8Array, length: number): number {
  const { next, previous, isMerged, heap } = length <= scratchBytesMax ? scratch : createWorkspace(length);
  heap.size = 0;
  for (let start = 0; start < length; start += 1) {
    next[start] = start + 1;
    previous[start] = start - 1;
    isMerged[start] = 0;
    if (start + 2 <= length) pushPair(heap, table, piece, start, start + 2);
  }
  let parts = length;
  while (heap.size > 0) {
    const start = heap.starts[0] as number;
    const end = heap.ends[0] as number;
    popPair(heap);
    const middle = next[start] as number;
    if (isMerged[start] === 1 || middle >= length || next[middle] !== end) continue;
    isMerged[middle] = 1;
    next[start] = end;
    if (end < length) previous[end] = start;
    parts -= 1;
    if (end < length) pushPair(heap, table, piece, start, next[end] as number);
    const before = previous[start] as number;
    if (before >= 0) pushPair(heap, table, piece, before, end);
  }
  return parts;
}

interface Workspace {
  readonly next: Int32Array;
  readonly previous: Int32Array;
  readonly isMerged: Uint8Array;
  readonly heap: PairHeap;
}

/** Pieces up to this many bytes reuse one workspace (360 KiB); longer ones, rare, get their own. */
const scratchBytesMax = 8_192;
const scratch = createWorkspace(scratchBytesMax);

function createWorkspace(length: number): Workspace {
  return {
    next: new Int32Array(length),
    previous: new Int32Array(length),
    isMerged: new Uint8Array(length),
    heap: createPairHeap(3 * length),
  };
}

interface PairHeap {
  size: number;
  readonly ranks: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

function createPairHeap(capacity: number): PairHeap {
  return { size: 0, ranks: new Int32Array(capacity), starts: new Int32Array(capacity), ends: new Int32Array(capacity) };
}

/** Queues the pair `piece[start … end)` when its bytes are a token. */
function pushPair(heap: PairHeap, table: BpeTable, piece: Uint8Array, start: number, end: number): void {
  const rank = findRank(table, piece, start, end);
  if (rank === -1) return;
  let index = heap.size;
  heap.size += 1;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (!isBefore(rank, start, heap.ranks[parent] as number, heap.starts[parent] as number)) break;
    moveEntry(heap, parent, index);
    index = parent;
  }
  heap.ranks[index] = rank;
  heap.starts[index] = start;
  heap.ends[index] = end;
}

/** Removes the first entry. */
function popPair(heap: PairHeap): void {
  heap.size -= 1;
  const last = heap.size;
  const rank = heap.ranks[last] as number;
  const start = heap.starts[last] as number;
  const end = heap.ends[last] as number;
  let index = 0;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= last) break;
    const right = child + 1;
    if (
      right < last &&
      isBefore(
        heap.ranks[right] as number,
        heap.starts[right] as number,
        heap.ranks[child] as number,
        heap.starts[child] as number,
      )
    ) {
      child = right;
    }
    if (!isBefore(heap.ranks[child] as number, heap.starts[child] as number, rank, start)) break;
    moveEntry(heap, child, index);
    index = child;
  }
  heap.ranks[index] = rank;
  heap.starts[index] = start;
  heap.ends[index] = end;
}

function isBefore(rank: number, start: number, otherRank: number, otherStart: number): boolean {
  return rank < otherRank || (rank === otherRank && start < otherStart);
}

function moveEntry(heap: PairHeap, from: number, to: number): void {
  heap.ranks[to] = heap.ranks[from] as number;
  heap.starts[to] = heap.starts[from] as number;
  heap.ends[to] = heap.ends[from] as number;
}
