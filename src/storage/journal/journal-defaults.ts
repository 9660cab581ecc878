/**
 * Defaults of the settlement journal (cluster mode), unit last like `config/limits.ts`. Each comment says what
 * failure the bound turns into a clean outcome. They live beside the journal until the config wires them.
 */
export const journalDefaults = {
  /**
   * Records per `insertGenerations` call, i.e. per PostgreSQL transaction: a backlog left by an outage drains in
   * transactions of this size instead of one unbounded transaction (the SQLite writer's `generationBatchCountMax`).
   */
  batchCountMax: 512,
  /**
   * How long `write()` waits, once its record is durable in the journal, for its batch to reach the store. Past it,
   * `write()` resolves with the record as journaled (stored later), so a slow or frozen PostgreSQL delays the end of
   * a response by at most this much instead of holding it open.
   */
  storeWaitMs: 250,
  /** First pause before the flusher retries a failed store call; it doubles after each failure. */
  retryDelayMsMin: 100,
  /** Longest pause between two store attempts during an outage (recovery is noticed within this long). */
  retryDelayMsMax: 5_000,
  /**
   * Bytes the journal may hold: its segment files plus records queued for them. A write past it rejects with 503
   * `ledger_unavailable` instead of filling the disk during a long store outage. Records not yet stored are also
   * kept in memory (to be sent to the store), so this bounds that memory too (a few times this in JS objects).
   */
  bytesMax: 256 * 1024 * 1024,
  /**
   * A segment file takes appends until it is this large; the next group then starts a new segment, so a long
   * outage's backlog is released file by file as it drains instead of all at the end.
   */
  segmentBytesMax: 64 * 1024 * 1024,
  /**
   * While an append has failed (a full disk), how often a probe tries to write the journal's directory again. The
   * node refuses paid calls until an append or a probe succeeds, so this is how soon it serves again once there is
   * room.
   */
  probeIntervalMs: 1_000,
  /** Bytes the probe writes and syncs (room for a group of records, not just one byte). */
  probeBytes: 64 * 1024,
} as const;

export type JournalDefaults = typeof journalDefaults;
