/**
 * The settlement journal (cluster mode; ADR 2026-11-30-cluster-storage, decision 3): a node's local, fsync'd,
 * append-only log of generation records, each carrying its ledger settlement, drained into the PostgreSQL store.
 * It replaces the SQLite group-commit writer when the store is a network away.
 *
 * Guarantees:
 * - **Durable before resolve.** `write()` resolves only after its record's line is written and `fdatasync`ed (and,
 *   for a new segment file, its directory synced). Records of one event-loop turn share one write and one sync;
 *   one append is in flight at a time and what arrives meanwhile forms the next group. It resolves with the record
 *   as stored when the store takes it within `storeWaitMs`, else with the record as journaled (stored later). It
 *   rejects only when the journal is at `bytesMax` (503 `ledger_unavailable`, nothing appended), or when its append
 *   failed and the store could not take it directly either (503 `ledger_unavailable`, nothing acknowledged).
 * - **A failed append.** Its records go straight to the store (one call, outside journal order; the store's
 *   idempotency absorbs a later replay of any of their bytes that landed), and `isWritable` is false until an append
 *   or a probe (`probeIntervalMs`) succeeds: the node refuses paid calls meanwhile.
 * - **Exactly once, by the store's idempotency.** A record leaves the journal only after `insertGenerations`
 *   resolved for its batch; until then it is retried (back-off between `retryDelayMsMin` and `retryDelayMsMax`)
 *   and replayed after a restart. A record may therefore reach the store more than once (a failure after commit, a
 *   crash before its segment was deleted); the store is idempotent by record id and settles each hold once, so it
 *   is recorded and charged once.
 * - **Order.** Records reach the store in journal order, which is `write()` order: replayed records first (segment
 *   sequence, then line order), then new ones; batches are sent one at a time and a failed batch is retried before
 *   anything behind it.
 * - **Torn lines.** Each line carries a CRC-32 and the offset of the write it belongs to. At `start()`, damaged
 *   lines in a segment's last write (a crash mid-append: no trailing newline, unparsable, or a hole) are ignored and
 *   reported through `onError`: that write was never acknowledged. A damaged line before a later write was
 *   acknowledged, so `start()` fails with the segment and line rather than drop money; so does a line of an unknown
 *   format version.
 *
 * Files: `segment-<16-digit sequence>.jsonl`, replayed in name order; a run never appends to a segment of an earlier
 * run. A segment is deleted once every record in it is stored (the active one is then rotated), and rotated at
 * `segmentBytesMax`. Line format: `journal-line.ts`.
 */
export { createJournalWriter } from './create-journal-writer.js';
export type { JournalReplay, JournalWriter, JournalWriterOptions } from './create-journal-writer.js';
export type { JournalStore } from './create-journal-flusher.js';
export { journalDefaults } from './journal-defaults.js';
export type { JournalDefaults } from './journal-defaults.js';
export { journalFormatVersion } from './journal-line.js';
