import type { KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import { GatewayError } from '../errors/index.js';
import type { ServingPort } from '../storage/ports.js';
import type { ResponseCapture } from './capture-response.js';
import { captureResponse } from './capture-response.js';
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from './idempotency-store.js';
import { createIdempotencyStore } from './idempotency-store.js';
import { parseIdempotencyKey } from './parse-idempotency-key.js';
import { replayResponse } from './replay-response.js';
import { watchResponseEnd } from './watch-response-end.js';

/** Bounds of the service; each says what it turns into. */
export const idempotencyDefaults = {
  /** PRODUCT.md §4: a key replays for 24 h; older records count as absent and are pruned. */
  retentionMs: 24 * 60 * 60 * 1000,
  /** A larger result is delivered but not stored, so a retry with the key runs (and is charged) again. */
  responseBytesMax: 16 * 1024 * 1024,
  /** How long a duplicate waits for the first request before 409 `idempotency_conflict` ("still in progress"). */
  waitMs: 10 * 60 * 1000,
  /** How often a duplicate re-reads a row that another process holds `in_progress`. */
  pollIntervalMs: 100,
  /**
   * How long a claim holds its key without being renewed: a process killed mid-call leaves a claim that lapses this
   * long after its last renewal, and the key can be used again (it would otherwise hold until it expired, 24 h).
   */
  leaseMs: 30 * 1000,
  /** Expired rows are deleted at most this often … */
  pruneIntervalMs: 60 * 1000,
  /** … and at most this many per pass, so pruning never holds the write lock for long. */
  pruneRowsMax: 10_000,
} as const;

/**
 * The records' store: a SQLite database (the embedded store) and the key that seals its answers
 * (`deriveResponseSealKey`, seal-response.ts), or a port that may answer through promises (PostgreSQL, built with
 * that key).
 */
type IdempotencyRecords =
  { readonly database: Database; readonly sealKey: KeyObject } | { readonly store: ServingPort<IdempotencyStore> };

export type IdempotencyServiceOptions = IdempotencyRecords & {
  /** Wall-clock milliseconds, for record ages (injected in tests). */
  readonly now: () => number;
  readonly retentionMs?: number;
  readonly responseBytesMax?: number;
  readonly waitMs?: number;
  /** Renewed every third of it while the first request runs (two renewals may fail before it lapses). */
  readonly leaseMs?: number;
};

export interface IdempotencyRunInput {
  /** The API key's id: idempotency keys are scoped per API key. */
  readonly keyId: string;
  /** The `Idempotency-Key` header value (checked by {@link parseIdempotencyKey}). */
  readonly idempotencyKey: string;
  /** {@link fingerprintRequest} of this request. */
  readonly fingerprint: string;
  /** The real client response. */
  readonly response: ServerResponse;
}

export interface IdempotencyService {
  /**
   * Runs `handler` once per (key id, Idempotency-Key) and replays its stored
   * result to duplicates. The handler must resolve only once it has ended (or
   * abandoned) the response.
   */
  readonly run: (input: IdempotencyRunInput, handler: () => Promise<void>) => Promise<void>;
}

/**
 * Idempotency-Key for model calls (PRODUCT.md §4, RELIABILITY.md decision 7, INV-6).
 *
 * The first request claims the key with an INSERT (the primary key decides
 * between processes), runs the handler while teeing its output, and stores a
 * 2xx result (delivered, or as far as it got when its client left mid-body: that output was charged); any other
 * outcome deletes the claim, because a failed call was not charged and the client should be able to retry with the
 * same key.
 * A duplicate with the same fingerprint replays the stored result, or waits for a
 * run in progress (an in-process promise here, polling the row for another process)
 * for up to `waitMs`. A duplicate with another fingerprint is 409 at once, and so is one whose stored answer does not
 * open (its seal altered or moved from another row): final, since it will not open later either.
 */
export function createIdempotencyService(options: IdempotencyServiceOptions): IdempotencyService {
  const settings = {
    store: 'store' in options ? options.store : createIdempotencyStore(options.database, options.sealKey),
    now: options.now,
    retentionMs: options.retentionMs ?? idempotencyDefaults.retentionMs,
    responseBytesMax: options.responseBytesMax ?? idempotencyDefaults.responseBytesMax,
    waitMs: options.waitMs ?? idempotencyDefaults.waitMs,
    leaseMs: options.leaseMs ?? idempotencyDefaults.leaseMs,
  };
  /** Runs in progress in this process, by slot; each promise resolves when its row is completed or deleted. */
  const running = new Map<string, Promise<void>>();
  const pruneIfDue = createPruner(settings);

  const runFirst = async (claim: IdempotencyClaim, input: IdempotencyRunInput, handler: () => Promise<void>) => {
    const slot = toSlot(claim);
    let markDone = (): void => {};
    // Set before the first await, in the same tick as the claim, so no duplicate sees a row without a promise.
    running.set(slot, new Promise<void>((resolve) => (markDone = resolve)));
    const renewal = setInterval(() => renewLease(settings, claim), settings.leaseMs / 3);
    renewal.unref();
    try {
      await runAndSettle({ ...settings, claim, response: input.response }, handler);
    } finally {
      clearInterval(renewal);
      running.delete(slot);
      markDone();
    }
  };

  const run = async (input: IdempotencyRunInput, handler: () => Promise<void>): Promise<void> => {
    const idempotencyKey = parseIdempotencyKey(input.idempotencyKey);
    pruneIfDue();
    const deadlineMs = performance.now() + settings.waitMs;
    for (;;) {
      const expiredAtMs = settings.now() - settings.retentionMs;
      const record = await settings.store.findRecord(input.keyId, idempotencyKey, expiredAtMs, settings.now());
      if (record === undefined) {
        const nowMs = settings.now();
        const claim = {
          keyId: input.keyId,
          idempotencyKey,
          fingerprint: input.fingerprint,
          createdAtMs: nowMs,
          leaseUntilMs: nowMs + settings.leaseMs,
        };
        if (await settings.store.claimRecord(claim, expiredAtMs)) return runFirst(claim, input, handler);
        continue; // another process claimed it between the read and the insert: read again
      }
      if (record.fingerprint !== input.fingerprint) throw conflict('was already used for a different request');
      if (record.status === 'completed') {
        // Never run again: that call was charged (INV-6). A new key is the client's say-so to pay for a fresh one.
        if (record.response === undefined) throw conflict('has a stored answer that cannot be read; use a new key');
        return replayResponse(input.response, record.response);
      }
      const remainingMs = deadlineMs - performance.now();
      // Retryable, unlike the conflict above: once the first call ends, the same request is replayed or runs.
      if (remainingMs <= 0) throw conflict('belongs to a request that is still in progress; retry later', true);
      const local = running.get(toSlot({ keyId: input.keyId, idempotencyKey }));
      await waitAtMost(
        local,
        local === undefined ? Math.min(idempotencyDefaults.pollIntervalMs, remainingMs) : remainingMs,
      );
    }
  };
  return { run };
}

/** Renews a running claim's lease; a failed renewal is retried by the next one (two may fail before it lapses). */
function renewLease(
  settings: { readonly store: ServingPort<IdempotencyStore>; readonly now: () => number; readonly leaseMs: number },
  claim: IdempotencyClaim,
): void {
  Promise.resolve()
    .then(() => settings.store.renewLease(claim, settings.now() + settings.leaseMs))
    .catch(() => undefined);
}

interface SettleContext {
  readonly store: ServingPort<IdempotencyStore>;
  readonly now: () => number;
  readonly responseBytesMax: number;
  readonly claim: IdempotencyClaim;
  readonly response: ServerResponse;
}

/** Runs the handler with its output teed, then stores the delivered 2xx result or deletes the claim. */
async function runAndSettle(context: SettleContext, handler: () => Promise<void>): Promise<void> {
  let capture: ResponseCapture | undefined;
  const waitForDelivery = watchResponseEnd(context.response);
  try {
    context.response.setHeader('idempotent-replayed', 'false');
    capture = captureResponse(context.response, { bytesMax: context.responseBytesMax });
    await handler();
  } catch (error) {
    capture?.release();
    await context.store.releaseRecord(context.claim);
    throw error;
  }
  try {
    const isDelivered = await waitForDelivery();
    capture.release();
    const stored = readStorableResponse(capture, isDelivered);
    if (stored === undefined) await context.store.releaseRecord(context.claim);
    else await context.store.completeRecord(context.claim, stored, context.now());
  } catch (error) {
    // A claim left `in_progress` would turn every retry into 409 until it expires.
    await context.store.releaseRecord(context.claim);
    throw error;
  }
}

/**
 * A 2xx result within the size bound is stored: delivered whole, or, when its client left after some of the body was
 * written (a stream cut by a disconnect), as far as it got. That call was charged for its output, so a retry replays
 * it instead of running and being charged again (INV-6: at most one generation charged per key); a client that wants a
 * fresh answer uses a new key. Anything else (an error, nothing written) is not stored, and the key can be retried.
 */
function readStorableResponse(capture: ResponseCapture, isDelivered: boolean): StoredResponse | undefined {
  const status = capture.readStatus();
  const body = capture.readBody();
  if (status < 200 || status > 299 || body === undefined) return undefined;
  if (!isDelivered && body.length === 0) return undefined;
  return { status, headers: capture.readHeaders(), body };
}

function createPruner(settings: {
  readonly store: ServingPort<IdempotencyStore>;
  readonly now: () => number;
  readonly retentionMs: number;
}): () => void {
  let nextPruneAtMs = Number.NEGATIVE_INFINITY;
  return () => {
    const nowMs = settings.now();
    if (nowMs < nextPruneAtMs) return;
    // Until this pass answers, no other starts; a full pass means more are waiting: prune again on the next request.
    nextPruneAtMs = Number.POSITIVE_INFINITY;
    const onPruned = (deletedCount: number): void => {
      nextPruneAtMs =
        deletedCount < idempotencyDefaults.pruneRowsMax ? nowMs + idempotencyDefaults.pruneIntervalMs : nowMs;
    };
    try {
      const deleted = settings.store.pruneRecords(nowMs - settings.retentionMs, idempotencyDefaults.pruneRowsMax);
      if (deleted instanceof Promise) deleted.then(onPruned, () => onPruned(0));
      else onPruned(deleted);
    } catch (error) {
      onPruned(0);
      throw error;
    }
  };
}

/** Resolves when `promise` settles or after `timeoutMs`, whichever comes first (no promise: just the delay). */
async function waitAtMost(promise: Promise<void> | undefined, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const delay = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  try {
    await (promise === undefined ? delay : Promise.race([promise, delay]));
  } finally {
    clearTimeout(timer);
  }
}

function toSlot(key: { readonly keyId: string; readonly idempotencyKey: string }): string {
  return JSON.stringify([key.keyId, key.idempotencyKey]);
}

/** A 409; `isRetryable` tells the client whether the same request may succeed later (`x-should-retry`). */
function conflict(reason: string, isRetryable = false): GatewayError {
  return new GatewayError({
    code: 'idempotency_conflict',
    message: `This Idempotency-Key ${reason}.`,
    param: 'Idempotency-Key',
    isRetryable,
  });
}
