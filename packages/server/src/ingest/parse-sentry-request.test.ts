import { normalizeEvent } from '@triage/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRecordedRequests, type RecordedRequest } from './__fixtures__/load-fixture.js';
import { recordEnvelopes } from './__fixtures__/record-envelopes.mjs';
import { refusal } from './__fixtures__/refusal.js';
import { decodeBody } from './decode-body.js';
import { parseEnvelope } from './parse-envelope.js';
import {
  parseSentryEnvelope,
  parseSentryStore,
  type SentryRequest,
  sentryEnvelopeSteps,
} from './parse-sentry-request.js';
import { sentryKeyOf } from './sentry-auth.js';

const maxDecodedBytes = 20 * 1024 * 1024;

/** What the route will do with one request: decode, authenticate, parse. */
async function handle(request: Pick<RecordedRequest, 'url' | 'headers' | 'body'>) {
  const body = await decodeBody(request.body, request.headers['content-encoding'], { maxDecodedBytes });
  const query = new URL(request.url, 'http://localhost').searchParams;
  const parsed = parseSentryEnvelope(body, { receivedAt: 1_700_000_000_000 });
  return { body, parsed, key: sentryKeyOf({ query, headers: request.headers, envelopeDsn: parsed.dsnKey }) };
}

describe('parseSentryEnvelope with envelopes recorded from @sentry/node 11.12.0', () => {
  const recorded = loadRecordedRequests();
  const fixture = (name: string) => {
    const request = recorded.get(name);
    if (!request) throw new Error(`missing fixture ${name}; run node __fixtures__/capture-envelopes.mjs`);
    return request;
  };

  it('should have recorded every scenario with the pinned SDK', () => {
    expect([...recorded.keys()].sort()).toEqual([
      'capture-message',
      'error-with-cause',
      'event-with-attachment',
      'parameterized-message',
      'sessions',
      'unhandled-rejection',
    ]);
    for (const request of recorded.values()) expect(request.sdk).toBe('@sentry/node 11.12.0');
  });

  it('should read a thrown error with its cause, breadcrumbs, request and user', async () => {
    const { parsed, key } = await handle(fixture('error-with-cause'));
    expect(key).toBe('publickey');
    expect(parsed.skipped).toEqual([]);
    expect(parsed.events).toHaveLength(1);
    const [event] = parsed.events;
    expect(event?.id).toBe(parsed.eventId);
    expect(event?.error).toMatchObject({
      type: 'Error',
      message: 'checkout failed for order 7',
      cause: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'price')" },
    });
    expect(event?.error?.frames?.[0]).toMatchObject({ function: 'totalOf', inApp: true });
    expect(event?.error?.cause?.frames?.[0]).toMatchObject({ function: 'priceOf', inApp: true });
    expect(event?.error?.cause?.frames?.at(-1)?.inApp).toBe(false);
    expect(event?.source?.function).toBe('totalOf');
    expect(event?.log.map((entry) => entry.message)).toEqual([
      expect.stringMatching(/^\[http\] GET http:\/\/127\.0\.0\.1:\d+\/health → 200$/),
      '[db] SELECT * FROM orders WHERE id = 7',
      '[console] cart has an item without a product',
    ]);
    expect(event?.log[2]?.level).toBe('warn');
    expect(event?.request).toMatchObject({
      method: 'POST',
      url: expect.stringMatching(/\/checkout\?order=7$/),
    });
    expect(event?.request?.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(event?.request?.headers).not.toHaveProperty('authorization');
    expect(event).toMatchObject({
      level: 'error',
      user: { id: '42', email: 'ada@example.com' },
      release: 'checkout@1.4.2',
      environment: 'production',
      tags: {
        region: 'eu-west-1',
        server_name: 'web-1',
        platform: 'node',
        sdk: 'sentry.javascript.node',
        transaction: 'POST /checkout',
        mechanism: 'generic',
        handled: 'yes',
      },
    });
  });

  it('should read captureMessage as a warning message, not an error', async () => {
    const { parsed } = await handle(fixture('capture-message'));
    const [event] = parsed.events;
    expect(event?.error).toBeUndefined();
    expect(event).toMatchObject({ level: 'warn', message: 'payment provider slow: 2300 ms' });
    expect(normalizeEvent(event).log.at(-1)).toMatchObject({
      level: 'warn',
      message: 'payment provider slow: 2300 ms',
    });
    expect(event?.source?.file).toMatch(/sentry-app\.mjs$/);
  });

  it('should decode a gzipped envelope and skip its binary attachment', async () => {
    const request = fixture('event-with-attachment');
    expect(request.headers['content-encoding']).toBe('gzip');
    const { body, parsed } = await handle(request);
    expect(parsed.events[0]?.error).toMatchObject({ type: 'RangeError', message: 'invalid array length' });
    expect(parsed.skipped).toEqual([{ type: 'attachment', reason: 'not an error event' }]);
    const attachment = parseEnvelope(body, { maxItemBytes: maxDecodedBytes, maxItems: 10 }).items[1];
    expect(attachment?.header).toMatchObject({ type: 'attachment', length: 40960, filename: 'heap.bin' });
    const expected = Buffer.from(Array.from({ length: 40960 }, (_, index) => index % 256));
    expect(attachment?.payload.equals(expected)).toBe(true);
  });

  it('should read an unhandled rejection as not handled', async () => {
    const { parsed } = await handle(fixture('unhandled-rejection'));
    expect(parsed.events[0]?.error).toMatchObject({ type: 'TypeError', message: 'fetch failed' });
    expect(parsed.events[0]?.tags).toMatchObject({
      mechanism: 'auto.node.onunhandledrejection',
      handled: 'no',
    });
  });

  it('should accept and skip a sessions envelope', async () => {
    const { parsed, key } = await handle(fixture('sessions'));
    expect(parsed).toEqual({
      eventId: undefined,
      events: [],
      skipped: [{ type: 'sessions', reason: 'not an error event' }],
      dsnKey: undefined,
    });
    expect(key).toBe('publickey');
  });

  it('should give events that normalizeEvent accepts unchanged in substance', async () => {
    for (const request of recorded.values()) {
      for (const input of (await handle(request)).parsed.events) {
        const event = normalizeEvent(input);
        expect(event.id).toBe(input.id);
        expect(event.error?.type).toBe(input.error?.type);
        expect(event.log.length).toBeGreaterThanOrEqual(input.log.length);
      }
    }
  });
});

describe('parseSentryEnvelope with the live SDK', () => {
  let requests: Awaited<ReturnType<typeof recordEnvelopes>>;
  let results: Array<SentryRequest & { key?: string }>;
  beforeAll(async () => {
    requests = await recordEnvelopes();
    results = await Promise.all(
      requests.map(async (request) => {
        const { parsed, key } = await handle(request);
        return { ...parsed, key };
      }),
    );
  }, 30_000);

  it('should parse everything the current @sentry/node sends to a local server', () => {
    expect(requests.every((request) => request.url.startsWith('/api/42/envelope/'))).toBe(true);
    expect(results.every((result) => result.key === 'publickey')).toBe(true);
    const events = results.flatMap((result) => result.events);
    expect(events.map((event) => event.error?.type ?? event.message).sort()).toEqual([
      'Error',
      'RangeError',
      'TypeError',
      'payment provider slow: 2300 ms',
      // Sent as a template and its params, without `formatted`.
      'refund r-19 refused for order 7',
    ]);
    const refund = events.find((event) => event.message?.startsWith('refund'));
    expect(refund?.user).toEqual({ username: 'grace-sdk' });
    expect(events.find((event) => event.error?.type === 'Error')?.error?.cause?.type).toBe('TypeError');
    expect(results.flatMap((result) => result.skipped.map((item) => item.type))).toContain('attachment');
    expect(requests.some((request) => request.headers['content-encoding'] === 'gzip')).toBe(true);
  });
});

describe('parseSentryEnvelope', () => {
  const envelope = (...lines: string[]) => Buffer.from(lines.join('\n'));
  const event = JSON.stringify({ event_id: 'e1', message: 'hello' });

  it('should tell an envelope’s telemetry bytes from the rest before parsing any payload', () => {
    const replay = 'r'.repeat(300);
    const body = envelope(
      '{"event_id":"e1"}',
      '{"type":"event"}',
      event,
      `{"type":"replay_recording","length":${replay.length}}`,
      replay,
      '{"type":"span"}',
      '{"broken json, never parsed": }',
      '{"type":"profile_chunk"}',
      '{}',
      '{"type":"client_report"}',
      '{"discarded_events":[]}',
    );
    const splits: unknown[] = [];
    parseSentryEnvelope(body, { onSplit: (split) => splits.push(split) });
    const telemetryBytes = replay.length + '{"broken json, never parsed": }'.length + '{}'.length;
    expect(splits).toEqual([
      {
        telemetryBytes,
        telemetryCategories: ['replay', 'span', 'profile_chunk', 'profile'],
        otherBytes: body.length - telemetryBytes,
        events: 1,
      },
    ]);
    // Called before the payloads are parsed: a limit it throws spares the parse of the event.
    const bad = envelope('{}', '{"type":"event"}', '{not json');
    expect(() =>
      parseSentryEnvelope(bad, {
        onSplit: () => {
          throw new Error('over the limit');
        },
      }),
    ).toThrow('over the limit');
  });

  it("should correct an event's time by the envelope's sent_at when the client's clock is an hour or more off", () => {
    const receivedAt = Date.parse('2026-12-07T12:00:00Z');
    const sent = (at: string, time: string) =>
      parseSentryEnvelope(
        envelope(`{"sent_at":"${at}"}`, '{"type":"event"}', `{"message":"m","timestamp":"${time}"}`),
        {
          receivedAt,
        },
      ).events[0]?.timestamp;
    // Two hours slow: the event happened a second before it was sent.
    expect(sent('2026-12-07T10:00:00Z', '2026-12-07T09:59:59Z')).toBe(receivedAt - 1_000);
    // A few seconds of network and drift: as the client said.
    expect(sent('2026-12-07T11:59:57Z', '2026-12-07T11:59:56Z')).toBe(Date.parse('2026-12-07T11:59:56Z'));
    expect(sent('not a time', '2026-12-07T11:00:00Z')).toBe(Date.parse('2026-12-07T11:00:00Z'));
    // A store request says when it was sent in its auth header (`sentry_timestamp`, epoch seconds).
    const stored = parseSentryStore(Buffer.from('{"message":"m","timestamp":"2026-12-07T09:59:59Z"}'), {
      receivedAt,
      storeSentAt: String(Date.parse('2026-12-07T10:00:00Z') / 1000),
    });
    expect(stored.events[0]?.timestamp).toBe(receivedAt - 1_000);
  });

  it('should keep an event id as Sentry does, and answer with the id it stored', () => {
    const dashed = envelope(
      '{}',
      '{"type":"event"}',
      '{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","message":"hi"}',
    );
    const parsed = parseSentryEnvelope(dashed);
    expect(parsed.events[0]?.id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(parsed.eventId).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    // The header's id and its event's differ: the answer is the id the event is stored with.
    const differing = envelope(
      '{"event_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}',
      '{"type":"event"}',
      '{"event_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","message":"hi"}',
    );
    expect(parseSentryEnvelope(differing)).toMatchObject({
      eventId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      events: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }],
    });
    // No event (sessions only): the header's id.
    expect(
      parseSentryEnvelope(
        envelope('{"event_id":"cccccccc-cccc-cccc-cccc-cccccccccccc"}', '{"type":"session"}', '{}'),
      ).eventId,
    ).toBe('cccccccccccccccccccccccccccccccc');
  });

  it('should accept and skip every item that is not an event, naming unknown types', () => {
    const body = envelope(
      '{"event_id":"e1","dsn":"https://abc@sentry.example.com/42"}',
      '{"type":"client_report"}',
      '{"discarded_events":[]}',
      '{"type":"event"}',
      event,
      '{"type":"transaction"}',
      '{}',
      '{"type":"check_in"}',
      '{}',
      '{"type":"replay_recording","length":3}',
      'a\nb',
      '{"type":"hologram"}',
      '{}',
    );
    const result = parseSentryEnvelope(body);
    expect(result.eventId).toBe('e1');
    expect(result.dsnKey).toBe('abc');
    expect(result.events.map((each) => each.message)).toEqual(['hello']);
    expect(result.skipped).toEqual([
      { type: 'client_report', reason: 'not an error event' },
      { type: 'transaction', reason: 'not an error event' },
      { type: 'check_in', reason: 'not an error event' },
      { type: 'replay_recording', reason: 'not an error event' },
      { type: 'hologram', reason: 'unknown item type' },
    ]);
  });

  it('should read an envelope one event item at a time, to the same result', () => {
    const body = envelope(
      '{"event_id":"e1"}',
      '{"type":"event"}',
      event,
      '{"type":"client_report"}',
      '{}',
      '{"type":"event"}',
      JSON.stringify({ event_id: 'e2', message: 'again' }),
    );
    const steps = sentryEnvelopeSteps(body, { receivedAt: 1 });
    // One pause after each event item, none for the client report.
    expect(steps.next()).toEqual({ done: false, value: undefined });
    expect(steps.next()).toEqual({ done: false, value: undefined });
    const last = steps.next();
    expect(last.done).toBe(true);
    expect(last.value).toEqual(parseSentryEnvelope(body, { receivedAt: 1 }));
    expect((last.value as SentryRequest).events.map((each) => each.id)).toEqual(['e1', 'e2']);
  });

  it('should give an event without an id the envelope id, else a new one', () => {
    const fromHeader = parseSentryEnvelope(
      envelope('{"event_id":"abc"}', '{"type":"event"}', '{"message":"m"}'),
    );
    expect(fromHeader.events[0]?.id).toBe('abc');
    const generated = parseSentryEnvelope(envelope('{}', '{"type":"event"}', '{"message":"m"}'));
    expect(generated.events[0]?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(generated.eventId).toBe(generated.events[0]?.id);
  });

  it('should name the item when an event is refused', () => {
    const bad = (payload: string | Buffer, options = {}) =>
      refusal(() =>
        parseSentryEnvelope(
          Buffer.concat([
            Buffer.from('{}\n{"type":"session"}\n{}\n{"type":"event"}\n'),
            Buffer.from(payload),
          ]),
          options,
        ),
      );
    expect(bad('{"message":').message).toMatch(/^item 2 payload is not valid JSON: /);
    expect(bad('[1]').message).toBe('item 2 payload is not a JSON object');
    expect(bad('{"platform":"node"}').message).toBe('item 2: event has no exception, message or breadcrumbs');
    expect(bad(Buffer.from([0x7b, 0xff, 0x7d])).message).toBe('item 2 payload is not valid UTF-8');
    expect(bad(`{"extra":${'['.repeat(100_000)}`).message).toBe('item 2 payload nests deeper than 64 levels');
    const big = bad(JSON.stringify({ message: 'x'.repeat(2000) }), { maxEventBytes: 1000 });
    expect(big.status).toBe(413);
    expect(big.message).toBe('item 2 payload is larger than 1000 bytes');
  });

  it('should pass envelope limits through', () => {
    const body = envelope('{}', ...Array.from({ length: 3 }, () => '{"type":"session"}\n{}'));
    expect(refusal(() => parseSentryEnvelope(body, { maxItems: 2 })).status).toBe(413);
  });

  // Sentry bounds an attachment at 100 MB and the items of an envelope not at all (sessions at 100): an
  // event sent with a 25 MiB attachment, or with a hundred sessions, was refused whole, and lost.
  it('should take an event sent beside a large attachment or a hundred sessions, and bound the events', () => {
    const event = '{"type":"event"}\n{"message":"checkout failed"}';
    const attachment = 'x'.repeat(25 * 1024 * 1024);
    const withAttachment = envelope(
      '{}',
      event,
      `{"type":"attachment","length":${attachment.length}}\n${attachment}`,
    );
    expect(parseSentryEnvelope(withAttachment).events.map((each) => each.message)).toEqual([
      'checkout failed',
    ]);
    const withSessions = envelope(
      '{}',
      event,
      ...Array.from({ length: 150 }, () => '{"type":"session"}\n{}'),
    );
    expect(parseSentryEnvelope(withSessions).skipped).toHaveLength(150);
    const tooMany = envelope('{}', ...Array.from({ length: 101 }, () => event));
    expect(refusal(() => parseSentryEnvelope(tooMany))).toMatchObject({
      status: 413,
      message: 'envelope has more than 100 events: send fewer per envelope',
    });
  });
});

describe('parseSentryStore', () => {
  it('should read one JSON event', () => {
    const result = parseSentryStore(
      Buffer.from(JSON.stringify({ event_id: 'abc', exception: { values: [{ type: 'E', value: 'v' }] } })),
    );
    expect(result.eventId).toBe('abc');
    expect(result.events[0]?.error).toMatchObject({ type: 'E', message: 'v' });
    expect(result.skipped).toEqual([]);
  });

  it('should refuse what is not an event', () => {
    expect(refusal(() => parseSentryStore(Buffer.from('[]'))).message).toBe('body is not a JSON object');
    expect(refusal(() => parseSentryStore(Buffer.from('{}'))).message).toBe(
      'event has no exception, message or breadcrumbs',
    );
    expect(refusal(() => parseSentryStore(Buffer.from('x'))).message).toMatch(/^body is not valid JSON: /);
  });
});
