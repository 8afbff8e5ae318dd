import { describe, expect, it } from 'vitest';
import { IngestError } from './ingest-error.js';
import { parseJsonLimited } from './safe-json.js';
import { openingOf, splitJsonEventsInSlices } from './split-json-events.js';

/** What a body comes to through the splitter (parsed whole when it cannot be split), or its refusal. */
async function throughSplit(text: string): Promise<{ value: unknown; split: boolean } | { status: number }> {
  const body = Buffer.from(text);
  try {
    const parts = await splitJsonEventsInSlices(body);
    if (!parts) return { value: parseJsonLimited(body), split: false };
    const elements = Array.from({ length: parts.count }, (_, index) => parts.element(index));
    return { value: parts.assemble(elements), split: true };
  } catch (error) {
    if (!IngestError.isInstance(error)) throw error;
    return { status: error.status };
  }
}

describe('splitJsonEventsInSlices', () => {
  it.each([
    '[]',
    ' [ ] ',
    '[1]',
    '[{"a":[1,2,{"b":"]}"}]},{"c":","},"x\\"]"]',
    '\n[ {"log": ["a, b"]} ,\t{"log": ["[c]"]} ]\r\n',
    '{"events":[]}',
    '{"events":[{"log":["x, ]"]}],"meta":{"a":1,"b":[1,2]}}',
    '{"meta":{"events":[1]},"events":[2,3],"more":[4,5]}',
    '{"x":"events","events":[1]}',
    '{ "events" : [ "a\\\\", "b\\\\\\"c" ] }',
    '\ufeff[1,2]',
  ])('should give what JSON.parse gives, event by event, for %j', async (text) => {
    expect(await throughSplit(text)).toEqual({ value: JSON.parse(text.replace(/^\ufeff/, '')), split: true });
  });

  it.each([
    '{"events":5}',
    '{"a":[1]}',
    '5',
    '"events"',
    // Two `events` keys: JSON.parse keeps the last one; the whole parse does that.
    '{"events":[1],"events":[2]}',
  ])('should leave %j to be parsed whole, with the same result', async (text) => {
    expect(await throughSplit(text)).toEqual({ value: JSON.parse(text), split: false });
  });

  it.each([
    '[1,]',
    '[,1]',
    '[1 2]',
    '[1]]',
    '[1] x',
    '[{"a":1]',
    '[1}',
    '{"events":[1],}',
    '{"events":[1}',
    '{"events":[1,{]}',
    '{"events":[1] "x":2}',
    '{"events":[{"a":"unterminated}]}',
    '[1,2',
  ])('should refuse %j with 400, as JSON.parse refuses it', async (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(await throughSplit(text)).toEqual({ status: 400 });
  });

  it("should name the event that is not valid JSON, and give each event's size as it is in the body", async () => {
    const parts = await splitJsonEventsInSlices(Buffer.from('[{"a":1},{"b":},{"c":3}]'));
    expect(parts?.count).toBe(3);
    expect([0, 1, 2].map((index) => parts?.bytes(index))).toEqual([7, 6, 7]);
    expect(parts?.element(0)).toEqual({ a: 1 });
    expect(() => parts?.element(1)).toThrow(/^body \(event 1\) is not valid JSON/);
  });

  it('should refuse with 413 a batch holding more than maxRestBytes besides its events, before parsing any of it', async () => {
    const body = Buffer.from(`{"meta":"${'m'.repeat(100)}","events":[{"a":1}, {"b":2}]}`);
    const refuse = () => splitJsonEventsInSlices(body, { maxRestBytes: 100 });
    await expect(refuse()).rejects.toThrow(IngestError);
    await expect(refuse()).rejects.toThrow(
      'body holds 121 bytes besides its events, more than the 100 a batch may',
    );
    // 121: the document with its events array taken out, brackets included.
    expect(body.length - '[{"a":1}, {"b":2}]'.length).toBe(121);
    expect((await splitJsonEventsInSlices(body, { maxRestBytes: 121 }))?.count).toBe(2);
  });
});

describe('openingOf', () => {
  it.each([
    ['[1]', '['],
    [' \n\t[', '['],
    ['\ufeff{"a":1}', '{'],
    ['\r\n"[x]"', '"'],
    ['  ', undefined],
    ['', undefined],
  ])('should give the character %j opens with', (text, expected) => {
    expect(openingOf(Buffer.from(text))).toBe(expected);
  });
});
