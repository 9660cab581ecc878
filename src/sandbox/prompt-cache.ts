/**
 * Simulates a provider prompt cache: remembers hashes of conversation prefixes
 * (bounded LRU). A request whose messages-but-the-last were seen before reports
 * that prefix's tokens as cached, rounded down to 64 like OpenAI's cache.
 */
export function createPromptCache(entriesMax: number): {
  lookup(prefixHash: number, prefixTokens: number): number;
  remember(hash: number): void;
} {
  const seen = new Map<number, true>();
  return {
    lookup(prefixHash, prefixTokens) {
      if (!seen.has(prefixHash)) return 0;
      seen.delete(prefixHash);
      seen.set(prefixHash, true);
      return Math.floor(prefixTokens / 64) * 64;
    },
    remember(hash) {
      seen.delete(hash);
      seen.set(hash, true);
      if (seen.size > entriesMax) seen.delete(seen.keys().next().value!);
    },
  };
}
