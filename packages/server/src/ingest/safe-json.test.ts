import { describe, expect, it } from 'vitest';
import { refusal } from './__fixtures__/refusal.js';
import { parseJsonLimited } from './safe-json.js';

describe('parseJsonLimited', () => {
  it('should parse ordinary JSON', () => {
    expect(parseJsonLimited(Buffer.from('{"a":[1,{"b":"ü"}]}'))).toEqual({ a: [1, { b: 'ü' }] });
  });

  it('should refuse 100,000 nested brackets with 400 instead of overflowing the stack', () => {
    const error = refusal(() => parseJsonLimited(Buffer.from('['.repeat(100_000))));
    expect(error.status).toBe(400);
    expect(error.message).toBe('body nests deeper than 64 levels');
  });

  it('should accept nesting up to the limit and refuse one level more', () => {
    const nested = (depth: number) => Buffer.from(`${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`);
    expect(() => parseJsonLimited(nested(64))).not.toThrow();
    expect(refusal(() => parseJsonLimited(nested(65))).message).toBe('body nests deeper than 64 levels');
    expect(refusal(() => parseJsonLimited(nested(5), { maxDepth: 4 })).status).toBe(400);
  });

  it('should not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ message: `${'['.repeat(1000)} \\" {{{ \\\\`, nested: '"]]]' });
    expect(parseJsonLimited(Buffer.from(text), { maxDepth: 2 })).toEqual(JSON.parse(text));
  });

  it('should end a string at the first quote after an even number of backslashes', () => {
    // Strings ending in escaped backslashes, and escaped quotes behind runs of them, then brackets the
    // scan must count: one level too many when it reads the strings right.
    const strings = ['a\\', 'b\\\\', '\\"', 'c\\\\"d', '"', ''];
    const text = JSON.stringify({ strings, deep: [[[1]]] });
    expect(parseJsonLimited(Buffer.from(text), { maxDepth: 4 })).toEqual(JSON.parse(text));
    expect(refusal(() => parseJsonLimited(Buffer.from(text), { maxDepth: 3 })).status).toBe(400);
    // The same bytes in a Uint8Array that is not a Buffer, as a caller may pass.
    expect(parseJsonLimited(new TextEncoder().encode(text), { maxDepth: 4 })).toEqual(JSON.parse(text));
  });

  it('should read long strings right wherever their escapes fall, brackets inside counted as text', () => {
    // Escaped quotes and backslashes at every offset around where the byte-by-byte reading hands over
    // to the native search, and strings dense with escaped quotes: a wrong end would expose the `[[[`.
    for (let offset = 40; offset < 110; offset++) {
      for (const escaped of ['\\"', '\\\\', '\\\\\\"']) {
        const text = `${'a'.repeat(offset)}${escaped}[[[${'\\"'.repeat(30)}]]]`;
        const body = JSON.stringify({ text: JSON.parse(`"${text}"`), deep: [[1]] });
        expect(parseJsonLimited(Buffer.from(body), { maxDepth: 3 })).toEqual(JSON.parse(body));
        expect(refusal(() => parseJsonLimited(Buffer.from(body), { maxDepth: 2 })).status).toBe(400);
      }
    }
  });

  it('should leave an unterminated string to JSON.parse, which names the problem', () => {
    const error = refusal(() => parseJsonLimited(Buffer.from('{"a": "never ends}')));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^body is not valid JSON/);
  });

  it('should refuse bytes that are not UTF-8', () => {
    const error = refusal(() => parseJsonLimited(Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22, 0x7d])));
    expect(error.status).toBe(400);
    expect(error.message).toBe('body is not valid UTF-8');
  });

  it('should refuse a lone UTF-16 surrogate encoded as bytes (CESU-8)', () => {
    expect(refusal(() => parseJsonLimited(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).status).toBe(400);
  });

  it('should name the input in the reason', () => {
    expect(refusal(() => parseJsonLimited(Buffer.from('{'), { label: 'item 2 header' })).message).toMatch(
      /^item 2 header is not valid JSON: /,
    );
  });

  it('should refuse input larger than maxBytes with 413', () => {
    const error = refusal(() => parseJsonLimited(Buffer.from('"0123456789"'), { maxBytes: 10 }));
    expect(error.status).toBe(413);
    expect(error.message).toBe('body is larger than 10 bytes');
  });

  it('should skip a UTF-8 byte order mark', () => {
    expect(parseJsonLimited(Buffer.from('\uFEFF{"a":1}'))).toEqual({ a: 1 });
  });

  it('should count arrays, objects and the commas between members, not what strings hold', () => {
    const values = { remaining: 10 };
    expect(parseJsonLimited(Buffer.from('{"a":[1,2],"b":"x,y,[z]"}'), { values })).toEqual({
      a: [1, 2],
      b: 'x,y,[z]',
    });
    // The object, the array, and two commas.
    expect(values.remaining).toBe(6);
  });

  it('should refuse with 413 a document that holds more values than the request has left, before parsing it', () => {
    const values = { remaining: 5 };
    parseJsonLimited(Buffer.from('[1,2,3]'), { values });
    expect(values.remaining).toBe(2);
    // Not UTF-8 either: the count is what refuses it, before the text is decoded.
    const error = refusal(() =>
      parseJsonLimited(Buffer.from([0x5b, 0x31, 0x2c, 0x32, 0x2c, 0xff, 0x5d]), {
        values,
        label: 'item 2 payload',
      }),
    );
    expect(error.status).toBe(413);
    expect(error.message).toBe(
      'item 2 payload holds too many JSON values (objects, arrays and their members) for one request: send fewer events per request',
    );
  });
});
