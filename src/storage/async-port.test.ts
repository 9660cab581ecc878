import { describe, expect, it } from 'vitest';
import { toAsyncPort } from './async-port.js';

describe('toAsyncPort', () => {
  it('answers each method through a promise with the same result, and turns a throw into a rejection', async () => {
    const calls: string[] = [];
    const port = {
      add: (left: number, right: number) => {
        calls.push('add');
        return left + right;
      },
      fail: (): number => {
        throw new Error('refused');
      },
    };
    const wrapped = toAsyncPort(port);
    const sum = wrapped.add(2, 3);
    // The call ran at once; only its answer waits for the promise.
    expect(calls).toEqual(['add']);
    expect(await sum).toBe(5);
    await expect(wrapped.fail()).rejects.toThrow('refused');
  });

  it('keeps `this` for methods of a class instance', async () => {
    class Counter {
      private count = 0;
      increment(): number {
        this.count += 1;
        return this.count;
      }
    }
    const wrapped = toAsyncPort(new Counter());
    expect([await wrapped.increment(), await wrapped.increment()]).toEqual([1, 2]);
  });
});
