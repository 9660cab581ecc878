import type { InvariantResult } from '../ledger-types.js';

/** At most this many failure lines per invariant, then one "… and N more" line (a broken ledger can have millions). */
export const invariantFailuresMax = 20;

/** Collects failure lines, keeping the first {@link invariantFailuresMax}. */
export function createInvariantResult(id: string, title: string) {
  const failures: string[] = [];
  let omittedCount = 0;
  return {
    fail(line: string): void {
      if (failures.length < invariantFailuresMax) failures.push(line);
      else omittedCount += 1;
    },
    finish(note?: string): InvariantResult {
      const lines = omittedCount > 0 ? [...failures, `… and ${omittedCount} more`] : failures;
      return { id, title, ok: lines.length === 0, failures: lines, ...(note === undefined ? {} : { note }) };
    },
  };
}

/** What a check reports its failure lines to. */
export type InvariantFailures = ReturnType<typeof createInvariantResult>;
