import { describe, expect, it } from 'vitest';
import { compactNumber } from './rankings-command.js';

describe('compactNumber', () => {
  it.each([
    [950, '950'],
    [2_050, '2.1K'],
    [999_949, '999.9K'],
    // Rounded to a tenth, these reach the next unit: 1.0M, not 1000.0K.
    [999_950, '1.0M'],
    [999_950_000, '1.0B'],
    [999_950_000_000, '1.0T'],
    [3_400_000_000_000, '3.4T'],
  ])('%d → %s', (value, text) => {
    expect(compactNumber(value)).toBe(text);
  });
});
