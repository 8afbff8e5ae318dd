import { describe, expect, it } from 'vitest';
import { KeyedBatcher } from './keyed-batcher.js';

describe('KeyedBatcher', () => {
  it('should start the first item at once and batch those that arrive while it runs', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = new KeyedBatcher<string, string>(async (key, items) => {
      batches.push(items.map((item) => `${key}:${item}`));
      if (batches.length === 1) await gate;
      return items.map((item) => item.toUpperCase());
    });
    const first = batcher.submit('a', 'x');
    const rest = ['y', 'z', 'w'].map((item) => batcher.submit('a', item));
    const other = batcher.submit('b', 'v');
    // Key b does not wait for key a.
    expect(await other).toBe('V');
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['X', 'Y', 'Z', 'W']);
    expect(batches).toEqual([['a:x'], ['b:v'], ['a:y', 'a:z', 'a:w']]);
  });

  it('should fail only the batch whose work failed, and go on with the next', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      calls++;
      if (calls === 1) {
        await gate;
        throw new Error('database down');
      }
      return items.map((item) => item * 2);
    });
    const failed = batcher.submit('k', 1);
    const later = [batcher.submit('k', 2), batcher.submit('k', 3)];
    release();
    await expect(failed).rejects.toThrow('database down');
    expect(await Promise.all(later)).toEqual([4, 6]);
  });

  it('should cap a batch at maxBatch items', async () => {
    const sizes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      sizes.push(items.length);
      if (sizes.length === 1) await gate;
      return items;
    }, 3);
    const all = Array.from({ length: 8 }, (_, index) => batcher.submit('k', index));
    release();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
