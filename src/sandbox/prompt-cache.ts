/** Cached prefixes are reported in multiples of this many tokens, like OpenAI's prompt cache. */
const cacheBlockTokens = 64;

export interface PromptCache {
  has(prefixHash: number): boolean;
  remember(prefixHash: number): void;
  /** Rounds a prefix's token count down to whole cache blocks. */
  roundDown(tokens: number): number;
}

/**
 * Simulates a provider prompt cache: a bounded LRU of conversation-prefix hashes.
 * A request whose leading messages were seen before reports them as cached.
 */
export function createPromptCache(entriesMax: number): PromptCache {
  const seen = new Map<number, true>();
  return {
    has(prefixHash) {
      if (!seen.has(prefixHash)) return false;
      seen.delete(prefixHash);
      seen.set(prefixHash, true);
      return true;
    },
    remember(prefixHash) {
      seen.delete(prefixHash);
      seen.set(prefixHash, true);
      if (seen.size > entriesMax) seen.delete(seen.keys().next().value!);
    },
    roundDown: (tokens) => Math.floor(tokens / cacheBlockTokens) * cacheBlockTokens,
  };
}
