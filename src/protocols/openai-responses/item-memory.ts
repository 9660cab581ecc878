import type { AssistantPart } from '../../spec/index.js';

/**
 * The output items this node rendered lately, by item id, for `item_reference` inputs: clients that leave `store` on
 * (the Vercel AI SDK's default) send back an earlier turn's items by id instead of whole. Meridian stores no responses;
 * this bounded memory is what lets such a client's next turn work. An id is only known to the client that received
 * it (it holds the generation id's random part), so it is not scoped further.
 */
export interface ResponseItemMemory {
  remember(itemId: string, parts: readonly AssistantPart[]): void;
  /** The item's canonical parts, or undefined: never rendered here, forgotten (bounds), or older than the TTL. */
  recall(itemId: string): readonly AssistantPart[] | undefined;
}

export interface ResponseItemMemoryOptions {
  readonly countMax: number;
  readonly bytesMax: number;
  readonly ttlMs: number;
  readonly now: () => number;
}

interface Remembered {
  readonly parts: readonly AssistantPart[];
  readonly bytes: number;
  readonly atMs: number;
}

/** Least recently remembered goes first when a bound is reached (a `Map` keeps insertion order). */
export function createResponseItemMemory(options: ResponseItemMemoryOptions): ResponseItemMemory {
  const items = new Map<string, Remembered>();
  let bytes = 0;

  function forget(itemId: string): void {
    const item = items.get(itemId);
    if (item === undefined) return;
    items.delete(itemId);
    bytes -= item.bytes;
  }

  return {
    remember(itemId, parts) {
      forget(itemId);
      const size = estimateBytes(itemId, parts);
      if (size > options.bytesMax) return;
      items.set(itemId, { parts, bytes: size, atMs: options.now() });
      bytes += size;
      for (const oldest of items.keys()) {
        if (items.size <= options.countMax && bytes <= options.bytesMax) break;
        forget(oldest);
      }
    },
    recall(itemId) {
      const item = items.get(itemId);
      if (item === undefined) return undefined;
      if (options.now() - item.atMs >= options.ttlMs) {
        forget(itemId);
        return undefined;
      }
      return item.parts;
    },
  };
}

/** UTF-16 bytes of the strings an item holds, plus a fixed overhead per item and per part. */
function estimateBytes(itemId: string, parts: readonly AssistantPart[]): number {
  let total = 128 + 2 * itemId.length;
  for (const part of parts) {
    total += 64;
    switch (part.type) {
      case 'text':
        total += 2 * part.text.length;
        break;
      case 'reasoning':
        total += 2 * (part.text.length + (part.signature?.length ?? 0));
        break;
      case 'tool-call':
        total += 2 * (part.toolCallId.length + part.toolName.length + part.arguments.length);
        break;
      case 'opaque':
        total += 2 * (JSON.stringify(part.value)?.length ?? 0);
        break;
    }
  }
  return total;
}
