import { strict as assert } from 'node:assert';

/**
 * Texts shorter than this (the empty text) are not remembered. Short texts are: a role name or a one-line system
 * prompt costs the tokenizer a few microseconds each time, a lookup far less.
 */
export const tokenMemoTextCharsMin = 1;
/** Texts longer than this are not remembered (the approximate count samples them anyway). */
export const tokenMemoTextCharsMax = 256 * 1024;
/** Characters remembered in all; the least recently used texts are forgotten first (≈ 8 MiB of UTF-16). */
export const tokenMemoCharsMax = 4 * 1024 * 1024;
/** Texts remembered at most. */
export const tokenMemoEntriesMax = 8_192;

export interface TextTokenMemo {
  /** The text's token count, from memory when this text was counted recently, else from `count` (then remembered). */
  count(text: string, count: (text: string) => number): number;
  readonly entryCount: number;
  readonly charCount: number;
}

/**
 * A bounded least-recently-used memory of token counts by text. Agents resend their whole conversation on every
 * call, so the system prompt and every earlier turn are texts counted before: a `Map` lookup hashes a text at
 * memory speed, while the tokenizer's BPE costs tens of microseconds per KiB. Counts are a pure function of the
 * text, so a remembered count is always the right one. Bounded by characters and by entries.
 */
export function createTextTokenMemo(
  bounds: { readonly charsMax: number; readonly entriesMax: number } = {
    charsMax: tokenMemoCharsMax,
    entriesMax: tokenMemoEntriesMax,
  },
): TextTokenMemo {
  assert.ok(bounds.charsMax > 0 && bounds.entriesMax > 0, 'token memo bounds must be positive');
  const tokensByText = new Map<string, number>();
  let charCount = 0;

  function remember(text: string, tokens: number): void {
    tokensByText.set(text, tokens);
    charCount += text.length;
    // Map iteration is insertion order: the first keys are the least recently used.
    for (const oldest of tokensByText.keys()) {
      if (charCount <= bounds.charsMax && tokensByText.size <= bounds.entriesMax) break;
      tokensByText.delete(oldest);
      charCount -= oldest.length;
    }
  }

  return {
    count(text, count) {
      if (text.length < tokenMemoTextCharsMin || text.length > tokenMemoTextCharsMax) return count(text);
      const known = tokensByText.get(text);
      if (known !== undefined) {
        // Moved to the back: recently used.
        tokensByText.delete(text);
        tokensByText.set(text, known);
        return known;
      }
      const tokens = count(text);
      remember(text, tokens);
      return tokens;
    },
    get entryCount() {
      return tokensByText.size;
    },
    get charCount() {
      return charCount;
    },
  };
}
