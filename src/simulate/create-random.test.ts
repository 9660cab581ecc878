import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed } from './create-random.js';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.integer(0, 999));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('keeps every draw inside its bounds', () => {
    const random = createRandom(42);
    for (let index = 0; index < 10_000; index += 1) {
      const uniform = random.integer(3, 7);
      const logUniform = random.logInteger(1_000, 100_000);
      expect(uniform >= 3 && uniform <= 7 && Number.isInteger(uniform)).toBe(true);
      expect(logUniform >= 1_000 && logUniform <= 100_000 && Number.isInteger(logUniform)).toBe(true);
    }
  });

  it('picks weighted indexes in proportion and never a zero weight', () => {
    const random = createRandom(7);
    const counts = [0, 0, 0];
    for (let index = 0; index < 30_000; index += 1) counts[random.weighted([1, 0, 2])]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts).toEqual([10_036, 0, 19_964]);
  });

  it('derives distinct seeds for the parts of a run', () => {
    const seeds = new Set(Array.from({ length: 100 }, (_, part) => deriveSeed(1, part)));
    expect(seeds.size).toBe(100);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(2, 0));
  });
});
