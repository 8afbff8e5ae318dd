import { describe, expect, it } from 'vitest';
import { refusal } from './__fixtures__/refusal.js';
import { parseEnvelope } from './parse-envelope.js';

const limits = { maxItemBytes: 1024 * 1024, maxItems: 10 };
const parse = (body: string | Buffer, options = limits) =>
  parseEnvelope(typeof body === 'string' ? Buffer.from(body) : body, options);
const lines = (...parts: string[]) => parts.join('\n');

describe('parseEnvelope', () => {
  it('should read items without length up to the next newline', () => {
    const envelope = parse(
      lines(
        '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://k@o0.ingest.sentry.io/42"}',
        '{"type":"event"}',
        '{"message":"a"}',
        '{"type":"session"}',
        '{"sid":"1"}',
        '',
      ),
    );
    expect(envelope.header).toEqual({
      event_id: '9ec79c33ec9942ab8353589fcb2e04dc',
      dsn: 'https://k@o0.ingest.sentry.io/42',
    });
    expect(envelope.items.map((item) => [item.header.type, item.payload.toString()])).toEqual([
      ['event', '{"message":"a"}'],
      ['session', '{"sid":"1"}'],
    ]);
  });

  it('should accept a last item without a trailing newline', () => {
    const envelope = parse(lines('{}', '{"type":"event"}', '{"message":"a"}'));
    expect(envelope.items[0]?.payload.toString()).toBe('{"message":"a"}');
  });

  it('should read items with length by byte count, newlines in the payload included', () => {
    const payload = 'line one\nline two\n\nü';
    const length = Buffer.byteLength(payload);
    const body = lines(
      '{}',
      `{"type":"attachment","length":${length},"filename":"notes.txt"}`,
      payload,
      '{"type":"event","length":2}',
      '{}',
      '',
    );
    const envelope = parse(body);
    expect(envelope.items).toHaveLength(2);
    expect(envelope.items[0]?.header).toEqual({ type: 'attachment', length, filename: 'notes.txt' });
    expect(envelope.items[0]?.payload.toString()).toBe(payload);
    expect(envelope.items[1]?.payload.toString()).toBe('{}');
  });

  it('should carry binary attachments byte for byte', () => {
    const binary = Buffer.from(Array.from({ length: 1024 }, (_, index) => index % 256));
    const body = Buffer.concat([
      Buffer.from(
        `{}\n{"type":"attachment","length":${binary.length},"content_type":"application/octet-stream"}\n`,
      ),
      binary,
      Buffer.from('\n{"type":"event"}\n{"message":"after"}'),
    ]);
    const envelope = parse(body);
    expect(envelope.items[0]?.payload.equals(binary)).toBe(true);
    expect(envelope.items[1]?.payload.toString()).toBe('{"message":"after"}');
  });

  it('should accept empty payloads, with and without length, and a header at the very end', () => {
    const envelope = parse(
      lines('{}', '{"type":"attachment","length":0}', '', '{"type":"attachment"}', '', '{"type":"session"}'),
    );
    expect(envelope.items.map((item) => [item.header.type, item.payload.length])).toEqual([
      ['attachment', 0],
      ['attachment', 0],
      ['session', 0],
    ]);
  });

  it('should accept an envelope with only a header, with or without a newline', () => {
    expect(parse('{}').items).toEqual([]);
    expect(parse('{"event_id":"a"}\n').items).toEqual([]);
  });

  it('should tolerate trailing blank lines and CRLF after the last item', () => {
    const envelope = parse('{}\r\n{"type":"event"}\r\n{"a":1}\r\n\r\n\n');
    expect(envelope.items).toHaveLength(1);
    expect(JSON.parse(envelope.items[0]!.payload.toString())).toEqual({ a: 1 });
  });

  it('should refuse a length beyond the body, naming the item and the bytes left', () => {
    const body = lines(
      '{}',
      '{"type":"event","length":2}',
      '{}',
      '{"type":"attachment","length":500}',
      'x'.repeat(120),
    );
    const error = refusal(() => parse(body));
    expect(error.status).toBe(400);
    expect(error.message).toBe('item 2: length 500 exceeds the 120 bytes left');
  });

  it('should refuse a truncated envelope (a declared payload cut off)', () => {
    const error = refusal(() => parse(lines('{}', '{"type":"event","length":40}', '{"message":"cut')));
    expect(error.message).toBe('item 1: length 40 exceeds the 15 bytes left');
  });

  it('should refuse a length that is too short (the payload is not followed by a newline)', () => {
    const error = refusal(() => parse(lines('{}', '{"type":"event","length":5}', '{"message":"a"}')));
    expect(error.message).toBe('item 1: payload of length 5 is not followed by a newline');
  });

  it.each([
    ['-1', 'item 1: length must be a non-negative integer'],
    ['1.5', 'item 1: length must be a non-negative integer'],
    ['"10"', 'item 1: length must be a non-negative integer'],
  ])('should refuse length %s', (length, message) => {
    expect(refusal(() => parse(lines('{}', `{"type":"event","length":${length}}`, '{}'))).message).toBe(
      message,
    );
  });

  it('should refuse headers that are not JSON objects', () => {
    expect(refusal(() => parse('not json\n')).message).toMatch(/^envelope header is not valid JSON: /);
    expect(refusal(() => parse('[1]\n')).message).toBe('envelope header is not a JSON object');
    expect(refusal(() => parse(lines('{}', '{"type":"event"}', '{}', 'oops', '{}'))).message).toMatch(
      /^item 2 header is not valid JSON: /,
    );
    expect(refusal(() => parse(lines('{}', '"event"', '{}'))).message).toBe(
      'item 1 header is not a JSON object',
    );
  });

  it('should refuse an item header without a type', () => {
    expect(refusal(() => parse(lines('{}', '{"length":2}', '{}'))).message).toBe(
      'item 1: header has no type',
    );
    expect(refusal(() => parse(lines('{}', '{"type":""}', '{}'))).message).toBe('item 1: header has no type');
  });

  it('should refuse a blank line where an item header belongs', () => {
    expect(refusal(() => parse(lines('{}', '', '{"type":"event"}', '{}'))).message).toBe(
      'item 1 header is missing',
    );
  });

  it('should refuse headers that are not UTF-8', () => {
    const body = Buffer.concat([
      Buffer.from('{}\n{"type":"ev'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n{}'),
    ]);
    const error = refusal(() => parse(body));
    expect(error.status).toBe(400);
    expect(error.message).toBe('item 1 header is not valid UTF-8');
    expect(refusal(() => parse(Buffer.from([0x7b, 0xff, 0x7d]))).message).toBe(
      'envelope header is not valid UTF-8',
    );
  });

  it('should refuse an empty body', () => {
    expect(refusal(() => parse('')).message).toBe('envelope is empty');
  });

  it('should refuse more than maxItems items with 413', () => {
    const body = lines('{}', ...Array.from({ length: 4 }, () => '{"type":"session"}\n{}'));
    const error = refusal(() => parse(body, { maxItemBytes: 100, maxItems: 3 }));
    expect(error.status).toBe(413);
    expect(error.message).toBe('envelope has more than 3 items');
  });

  it('should refuse an item larger than maxItemBytes with 413, with or without length', () => {
    const payload = 'x'.repeat(101);
    const withLength = lines('{}', '{"type":"attachment","length":101}', payload);
    const withoutLength = lines('{}', '{"type":"attachment"}', payload);
    for (const body of [withLength, withoutLength]) {
      const error = refusal(() => parse(body, { maxItemBytes: 100, maxItems: 3 }));
      expect(error.status).toBe(413);
      expect(error.message).toBe('item 1: payload of 101 bytes exceeds the limit of 100');
    }
  });

  it('should refuse deeply nested headers', () => {
    expect(refusal(() => parse(`{"a":${'['.repeat(10_000)}\n`)).message).toBe(
      'envelope header nests deeper than 8 levels',
    );
  });
});
