import { describe, expect, it } from 'vitest';
import { joinInSlices } from './join-in-slices.js';

const MiB = 1024 * 1024;

describe('joinInSlices', () => {
  it('should give nothing for no chunks, and a lone chunk as it is', async () => {
    expect((await joinInSlices([], 0)).length).toBe(0);
    const lone = Buffer.from('one');
    expect(await joinInSlices([lone], 3)).toBe(lone);
  });

  it('should join small chunks at once and large ones byte for byte, turning the event loop between slices', async () => {
    expect((await joinInSlices([Buffer.from('ab'), Buffer.from('c')], 3)).toString()).toBe('abc');
    const chunks = Array.from({ length: 12 }, (_, index) => Buffer.alloc(MiB + index, index + 1));
    const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    // Queued before the join: it runs only if the join gives the event loop a turn (a join in one go
    // resolves in microtasks, before it). Slices of 0 ms: a turn after every chunk, however fast the copy.
    let ranDuring = false;
    setImmediate(() => {
      ranDuring = true;
    });
    const joined = await joinInSlices(chunks, size, 0);
    expect(ranDuring).toBe(true);
    expect(joined.equals(Buffer.concat(chunks))).toBe(true);
  });
});
