import { describe, expect, it } from 'vitest';
import { formatInvariantReport } from './format-invariant-report.js';

describe('formatInvariantReport', () => {
  it('prints one ✓/✗ line per invariant with its note, and each failure indented below it', () => {
    const report = formatInvariantReport([
      { id: 'INV-1', title: 'Conservation', ok: true, failures: [] },
      {
        id: 'INV-2',
        title: 'Bounded spend',
        ok: false,
        failures: ['org:a:available is -5 (below zero)', 'org a was charged 9, more than granted 4 + refunded 0'],
      },
      {
        id: 'INV-8',
        title: 'Isolation',
        ok: true,
        failures: [],
        note: 'isolation is an API property, tested end to end',
      },
    ]);
    expect(report).toBe(
      [
        '✓ INV-1 Conservation',
        '✗ INV-2 Bounded spend',
        '    org:a:available is -5 (below zero)',
        '    org a was charged 9, more than granted 4 + refunded 0',
        '✓ INV-8 Isolation (isolation is an API property, tested end to end)',
      ].join('\n'),
    );
  });

  it('prints nothing for no results', () => {
    expect(formatInvariantReport([])).toBe('');
  });
});
