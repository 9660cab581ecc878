import { strict as assert } from 'node:assert';
import { hash } from 'node:crypto';

/**
 * Texts shorter than this (the empty text) are not remembered. Short texts are: a role name or a one-line system
 * prompt costs the tokenizer a few microseconds each time, a lookup far less.
 */
export const tokenMemoTextCharsMin = 1;
/** Texts longer than this are not remembered (the approximate count samples them anyway). */
export const tokenMemoTextCharsMax = 256 * 1024;
/**
 * Texts of at least this many characters are remembered by their SHA-256 digest, not by the text itself: the
 * memory they take no longer grows with their length, and hashing them natively costs less than a `Map` key's
 * hash in V8 (about half for ASCII) past this length.
 */
export const tokenMemoDigestCharsMin = 1024;
/** Characters of short texts remembered in all; the least recently used are forgotten first (≈ 8 MiB of UTF-16). */
export const tokenMemoCharsMax = 4 * 1024 * 1024;
/** Short texts remembered at most. */
export const tokenMemoEntriesMax = 8_192;
/** Long texts (digests) remembered at most: about 120 bytes each, ≈ 7.5 MiB in all. */
export const tokenMemoDigestEntriesMax = 65_536;

export interface TokenMemoBounds {
  /** Characters of the short texts kept as keys. */
  readonly charsMax: number;
  /** Short texts. */
  readonly entriesMax: number;
  /** Long texts, kept as digests. */
  readonly digestEntriesMax: number;
}

export interface TextTokenMemo {
  /** The text's token count, from memory when this text was counted recently, else from `count` (then remembered). */
  count(text: string, count: (text: string) => number): number;
  /** Texts remembered, short and long. */
  readonly entryCount: number;
  /** Characters of the short texts remembered (long texts are kept as 44-character digests). */
  readonly charCount: number;
}

const defaultBounds: TokenMemoBounds = {
  charsMax: tokenMemoCharsMax,
  entriesMax: tokenMemoEntriesMax,
  digestEntriesMax: tokenMemoDigestEntriesMax,
};

/**
 * A bounded least-recently-used memory of token counts by text. Agents resend their whole conversation on every
 * call, so the system prompt and every earlier turn are texts counted before: a lookup costs about a nanosecond per
 * character, while the tokenizer's BPE costs tens of microseconds per KiB. Counts are a pure function of the text,
 * so a remembered count is the right one (for a long text, unless two texts share a SHA-256 digest). A long text's
 * digest is of its UTF-8 bytes, where a lone surrogate becomes U+FFFD: `count` must give such texts the same count,
 * as the o200k counter does (it encodes every piece to UTF-8, and its pattern splits the two alike; tested).
 *
 * Long texts are kept as digests so that the memory holds many conversations: keyed by the texts themselves, 8 MiB
 * held about twenty 200 KB agent contexts, and a gateway serving more of them at once than that forgot each one
 * before it came back (least recently used is the worst policy for a cycle) and tokenized every call again.
 */
export function createTextTokenMemo(bounds: TokenMemoBounds = defaultBounds): TextTokenMemo {
  assert.ok(
    bounds.charsMax > 0 && bounds.entriesMax > 0 && bounds.digestEntriesMax > 0,
    'token memo bounds must be positive',
  );
  const tokensByText = new Map<string, number>();
  const tokensByDigest = new Map<string, number>();
  let charCount = 0;

  function rememberText(text: string, tokens: number): void {
    tokensByText.set(text, tokens);
    charCount += text.length;
    // Map iteration is insertion order: the first keys are the least recently used.
    for (const oldest of tokensByText.keys()) {
      if (charCount <= bounds.charsMax && tokensByText.size <= bounds.entriesMax) break;
      tokensByText.delete(oldest);
      charCount -= oldest.length;
    }
  }

  function rememberDigest(digest: string, tokens: number): void {
    tokensByDigest.set(digest, tokens);
    for (const oldest of tokensByDigest.keys()) {
      if (tokensByDigest.size <= bounds.digestEntriesMax) break;
      tokensByDigest.delete(oldest);
    }
  }

  /** The remembered count, moved to the back (recently used); undefined when not remembered. */
  function recall(memory: Map<string, number>, key: string): number | undefined {
    const known = memory.get(key);
    if (known === undefined) return undefined;
    memory.delete(key);
    memory.set(key, known);
    return known;
  }

  return {
    count(text, count) {
      if (text.length < tokenMemoTextCharsMin || text.length > tokenMemoTextCharsMax) return count(text);
      const isLong = text.length >= tokenMemoDigestCharsMin;
      const key = isLong ? hash('sha256', text, 'base64') : text;
      const known = recall(isLong ? tokensByDigest : tokensByText, key);
      if (known !== undefined) return known;
      const tokens = count(text);
      if (isLong) rememberDigest(key, tokens);
      else rememberText(text, tokens);
      return tokens;
    },
    get entryCount() {
      return tokensByText.size + tokensByDigest.size;
    },
    get charCount() {
      return charCount;
    },
  };
}
