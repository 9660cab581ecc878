import type { InvariantResult } from './ledger-types.js';

/**
 * The text of `meridian ledger verify`: one line per invariant (✓ or ✗, id, title, and
 * its note in parentheses), each failure indented below its invariant.
 */
export function formatInvariantReport(results: readonly InvariantResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const note = result.note === undefined ? '' : ` (${result.note})`;
    lines.push(`${result.ok ? '✓' : '✗'} ${result.id} ${result.title}${note}`);
    for (const failure of result.failures) lines.push(`    ${failure}`);
  }
  return lines.join('\n');
}
