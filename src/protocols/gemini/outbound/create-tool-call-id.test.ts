import { describe, expect, it } from 'vitest';
import { createToolCallIdSource, isCreatedToolCallId } from './create-tool-call-id.js';

describe('createToolCallIdSource', () => {
  it('shares one nonce within a source and draws another for the next source', () => {
    const first = createToolCallIdSource();
    const id = first(0, 0);
    const nonce = /^call_([0-9a-f]{16})_0_0$/.exec(id)?.[1];
    expect(nonce).toBeDefined();
    expect([first(0, 1), first(2, 0), first(0, 0)]).toEqual([`call_${nonce}_0_1`, `call_${nonce}_2_0`, id]);
    const ids = new Set(Array.from({ length: 1000 }, () => createToolCallIdSource()(0, 0)));
    expect(ids.size).toBe(1000);
  });
});

describe('isCreatedToolCallId', () => {
  it.each([
    ['call_0123456789abcdef_0_0', true],
    ['call_0123456789abcdef_12_3', true],
    // Made by earlier versions, still in histories.
    ['call_0_0', true],
    ['call_1_12', true],
    // Google's own ids and other providers' ids go back as sent.
    ['fc-7d1e', false],
    ['call_0123456789ABCDEF_0_0', false],
    ['call_abc_0_0', false],
    ['call_0123456789abcdef_0', false],
    ['toolu_01A09q90qw90lq917835lq9', false],
    ['call_Jk1b2M3n4O5p6Q7r8S9t0U1v', false],
  ])('%s → %s', (id, expected) => {
    expect(isCreatedToolCallId(id)).toBe(expected);
  });
});
