import { describe, expect, it } from 'vitest';
import { foldUnlistedModels, unlistedModelLabel } from './fold-unlisted-models.js';

const listed = new Set(['west/alpha', 'east/beta']);

describe('foldUnlistedModels', () => {
  it('sums every model outside the catalog under one label, column by column', () => {
    const sums = new Map([
      ['west/alpha', [150n, 2n]],
      ['local/acme-corp-finetune', [40n, 1n]],
      ['east/beta', [7n, 1n]],
      ['local/ft:customer-7', [10n, 3n]],
    ]);
    expect([...foldUnlistedModels(sums, listed)]).toEqual([
      ['west/alpha', [150n, 2n]],
      ['east/beta', [7n, 1n]],
      [unlistedModelLabel, [50n, 4n]],
    ]);
  });

  it('adds no label when every model is listed, and leaves a keyed view (no catalog given) as it is', () => {
    const sums = new Map([['west/alpha', [1n]]]);
    expect([...foldUnlistedModels(sums, listed)]).toEqual([['west/alpha', [1n]]]);
    const named = new Map([['local/private', [5n]]]);
    expect(foldUnlistedModels(named, undefined)).toBe(named);
  });

  it('uses a label no model id can have (every id has a slash)', () => {
    expect(unlistedModelLabel).not.toContain('/');
  });
});
