import { describe, expect, it } from 'vitest';
import { readTextPrefix } from './read-text-prefix.js';

/** A stream of `chunks` that records whether it was read to the end or cancelled. */
function streamOf(chunks: Uint8Array[]) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[seen.pulled++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readTextPrefix', () => {
  it('should read a body under the limit whole, characters split across chunks included', async () => {
    const euro = bytes('€');
    const { stream, seen } = streamOf([bytes('price: '), euro.subarray(0, 1), euro.subarray(1), bytes('5')]);
    expect(await readTextPrefix(stream, 1024)).toEqual({ text: 'price: €5', truncated: false });
    expect(seen.cancelled).toBe(false);
  });

  it('should stop at the limit and cancel the stream, without reading the rest', async () => {
    const chunk = new Uint8Array(1000).fill(97);
    const { stream, seen } = streamOf(Array.from({ length: 1000 }, () => chunk));
    const { text, truncated } = await readTextPrefix(stream, 2500);
    expect(truncated).toBe(true);
    expect(text).toBe('a'.repeat(2500));
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThan(10);
  });

  it('should read a body of exactly the limit as whole', async () => {
    const { stream } = streamOf([bytes('abc'), bytes('de')]);
    expect(await readTextPrefix(stream, 5)).toEqual({ text: 'abcde', truncated: false });
  });

  it('should answer an empty text for no body', async () => {
    expect(await readTextPrefix(null, 10)).toEqual({ text: '', truncated: false });
  });
});
