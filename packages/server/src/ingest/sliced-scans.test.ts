import { describe, expect, it } from 'vitest';
import { IngestError } from './ingest-error.js';
import { checkJsonLimits, checkJsonLimitsInSlices, type JsonLimits } from './safe-json.js';
import { type JsonEvents, splitJsonEventsInSlices } from './split-json-events.js';
import type { TimeSlices } from './time-slices.js';

/** Slices that are always due: a pause after every chunk, each letting a turn of the event loop go by. */
function everyChunk() {
  const counted = { pauses: 0 };
  const slices: TimeSlices = {
    due: () => true,
    pause: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          counted.pauses++;
          resolve();
        }),
      ),
  };
  return { slices, counted };
}

const outcome = async (run: () => unknown) => {
  try {
    return { value: await run() };
  } catch (error) {
    if (!IngestError.isInstance(error)) throw error;
    return { status: error.status, message: error.message };
  }
};

// Chunks of 1, 3 and 7 bytes end everywhere: inside strings and their escapes, between a key and its colon.
const bodies = [
  '[{"a":1},{"b":[1,2,{"c":"}]"}]},3]',
  '{"service":"x","events":[{"log":["a\\"b\\\\"]},{"log":["]"]}],"tail":{"events":1}}',
  '{"events":[],"other":[1,2]}',
  '{"events":[1],"events":[2]}',
  '[{"unterminated":"abc',
  '{"events":[{"a":1}}',
  `[${'{"x":"\\"\\"\\""},'.repeat(40)}{}]`,
  `[${'['.repeat(70)}${']'.repeat(70)}]`,
  '   \t\n[ ]',
  '"just a string"',
  '',
];

describe('the scans of a large body, in slices', () => {
  it.each([1, 3, 7])(
    'should check the limits as the scan in one go does, in chunks of %i bytes',
    async (chunk) => {
      for (const text of bodies) {
        const limits = (): JsonLimits => ({ maxDepth: 64, values: { remaining: 30 } });
        const whole = limits();
        const sliced = limits();
        const { slices } = everyChunk();
        const expected = await outcome(() => checkJsonLimits(Buffer.from(text), whole));
        const actual = await outcome(() => checkJsonLimitsInSlices(Buffer.from(text), sliced, slices, chunk));
        expect(actual, text).toEqual(expected);
        expect(sliced.values, text).toEqual(whole.values);
      }
    },
  );

  it.each([1, 3, 7])(
    'should split a batch as the scan in one go does, in chunks of %i bytes',
    async (chunk) => {
      for (const text of bodies) {
        const { slices } = everyChunk();
        const parsed = (parts: JsonEvents | undefined) =>
          parts === undefined
            ? undefined
            : parts.assemble(Array.from({ length: parts.count }, (_, index) => parts.element(index)));
        const expected = await outcome(async () =>
          parsed(
            await splitJsonEventsInSlices(
              Buffer.from(text),
              { maxRestBytes: 40 },
              slices,
              Number.POSITIVE_INFINITY,
            ),
          ),
        );
        const actual = await outcome(async () =>
          parsed(await splitJsonEventsInSlices(Buffer.from(text), { maxRestBytes: 40 }, slices, chunk)),
        );
        expect(actual, text).toEqual(expected);
      }
    },
  );

  it('should let the event loop turn between chunks, and read a long string in one', async () => {
    const body = Buffer.from(JSON.stringify([{ log: ['x'.repeat(100_000)] }, { log: ['y'] }]));
    const { slices, counted } = everyChunk();
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await checkJsonLimitsInSlices(body, {}, slices, 1_000);
    expect(turned).toBe(true);
    // A string is read to its end in the chunk it starts in: a few chunks, not a hundred.
    expect(counted.pauses).toBeGreaterThan(0);
    expect(counted.pauses).toBeLessThan(10);
    const split = everyChunk();
    const parts = await splitJsonEventsInSlices(body, {}, split.slices, 8);
    expect(parts?.count).toBe(2);
    expect(split.counted.pauses).toBeGreaterThan(2);
  });
});
