import type { Model } from '../../catalog/catalog-types.js';
import type { BilledUsage, FinishReason } from '../../spec/index.js';
import type { CachedAnswer, CachedCall } from '../response-cache.js';

/**
 * A cached call as another node reads it from Redis. The model and endpoint are named, not copied: the reading node
 * resolves them in its own catalog (a provider that is gone there makes the entry a miss). Money is not stored: a
 * hit is charged 0 whatever the first call cost.
 */
export interface SharedEntry {
  /** The stored value's length in characters (the reading node's memory counts the entry at this size). */
  readonly bytes: number;
  readonly storedAtMs: number;
  readonly expiresAtMs: number;
  readonly modelId: string;
  readonly providerId: string;
  readonly upstreamModel: string;
  readonly billed: Omit<BilledUsage, 'costNanos' | 'upstreamCostNanos'>;
  readonly finishReason: FinishReason | undefined;
  readonly answer: CachedAnswer;
}

/** The format's version, first in every value: a node that meets another version treats the entry as a miss. */
const formatVersion = 1;

/** The value stored in Redis for one cached call (JSON; its length in bytes is what the shared byte bound counts). */
export function encodeSharedEntry(call: CachedCall, times: { storedAtMs: number; expiresAtMs: number }): string {
  const { costNanos: _cost, upstreamCostNanos: _upstreamCost, ...billed } = call.billed;
  return JSON.stringify({
    v: formatVersion,
    storedAtMs: times.storedAtMs,
    expiresAtMs: times.expiresAtMs,
    modelId: call.model.id,
    providerId: call.endpoint.provider.id,
    upstreamModel: call.endpoint.upstreamModel,
    billed,
    finishReason: call.finishReason,
    answer: call.answer,
  });
}

/**
 * Reads a value written by {@link encodeSharedEntry}; undefined for anything else (another format version, a value
 * some other writer put under the key, a truncated one). Answers are written only by Meridian nodes, so the answer
 * itself is checked for its kind and shape, not field by field.
 */
export function decodeSharedEntry(text: string): SharedEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value['v'] !== formatVersion) return undefined;
  const { storedAtMs, expiresAtMs, modelId, providerId, upstreamModel, billed, finishReason, answer } = value;
  const isWellFormed =
    typeof storedAtMs === 'number' &&
    typeof expiresAtMs === 'number' &&
    typeof modelId === 'string' &&
    typeof providerId === 'string' &&
    typeof upstreamModel === 'string' &&
    isRecord(billed) &&
    (finishReason === undefined || isRecord(finishReason)) &&
    isAnswer(answer);
  if (!isWellFormed) return undefined;
  return {
    bytes: text.length,
    storedAtMs,
    expiresAtMs,
    modelId,
    providerId,
    upstreamModel,
    billed: billed as unknown as SharedEntry['billed'],
    finishReason: finishReason as FinishReason | undefined,
    answer,
  };
}

/**
 * The cached call for a shared entry, with its model and endpoint taken from `models` (the models the reading call's
 * route plan could reach); undefined when none of them is the entry's model with the entry's endpoint.
 */
export function resolveSharedEntry(entry: SharedEntry, models: Iterable<Model>): CachedCall | undefined {
  for (const model of models) {
    if (model.id !== entry.modelId) continue;
    const endpoint = model.endpoints.find(
      (candidate) => candidate.provider.id === entry.providerId && candidate.upstreamModel === entry.upstreamModel,
    );
    if (endpoint === undefined) continue;
    const billed: BilledUsage = { ...entry.billed, costNanos: 0n, upstreamCostNanos: 0n };
    return { answer: entry.answer, model, endpoint, billed, finishReason: entry.finishReason };
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAnswer(value: unknown): value is CachedAnswer {
  if (!isRecord(value)) return false;
  if (value['kind'] === 'json') return isRecord(value['result']) && Array.isArray(value['result']['choices']);
  return value['kind'] === 'stream' && Array.isArray(value['events']);
}
