import { describe, expect, it } from 'vitest';
import { HttpError } from '../http-error.js';
import { MAX_SNOOZE_EVENTS, MAX_SNOOZE_MS, readStatusChange } from './status-change-body.js';

const refusal = (body: unknown) => {
  try {
    readStatusChange(body, 'new');
  } catch (error) {
    if (HttpError.isInstance(error)) return `${error.status} ${error.message}`;
    throw error;
  }
  return 'accepted';
};

describe('readStatusChange', () => {
  it('should take every field it documents, and change only what is sent', () => {
    expect(
      readStatusChange({ status: 'resolved', note: 'pool raised to 20', resolvedInRelease: '1.4.3' }, 'new'),
    ).toEqual({
      status: 'resolved',
      note: 'pool raised to 20',
      resolvedInRelease: '1.4.3',
      snoozeForMs: undefined,
      snoozeForEvents: undefined,
    });
    // A note alone leaves the status (and with it a release or a snooze) alone.
    expect(readStatusChange({ note: 'follow-up' }, 'resolved')).toEqual({
      note: 'follow-up',
      snoozeForMs: undefined,
      snoozeForEvents: undefined,
      resolvedInRelease: undefined,
    });
    expect(readStatusChange({ snoozeForEvents: MAX_SNOOZE_EVENTS }, 'ignored')).toMatchObject({
      status: 'ignored',
      snoozeForEvents: MAX_SNOOZE_EVENTS,
    });
    // Without a status, made for the one read: the store refuses it if an event changed it meanwhile.
    expect(readStatusChange({ resolvedInRelease: '2.0.0' }, 'resolved')).toMatchObject({
      status: 'resolved',
      ifStatus: 'resolved',
      resolvedInRelease: '2.0.0',
    });
    expect(readStatusChange({ status: 'resolved', resolvedInRelease: '2.0.0' }, 'regressed').ifStatus).toBe(
      undefined,
    );
    expect(readStatusChange({ status: 'ignored', snoozeForMs: MAX_SNOOZE_MS }, 'new').snoozeForMs).toBe(
      MAX_SNOOZE_MS,
    );
  });

  it.each([
    [
      [],
      '400 send a JSON object with status, note, snoozeForMs, snoozeForEvents, resolvedInRelease or some of them, e.g. {"status": "resolved"}',
    ],
    [
      null,
      '400 send a JSON object with status, note, snoozeForMs, snoozeForEvents, resolvedInRelease or some of them, e.g. {"status": "resolved"}',
    ],
    [
      'resolved',
      '400 send a JSON object with status, note, snoozeForMs, snoozeForEvents, resolvedInRelease or some of them, e.g. {"status": "resolved"}',
    ],
    [
      { status: 'closed' },
      '400 status must be one of new, acknowledged, resolved, ignored (an issue is regressed by an event after it was resolved)',
    ],
    [
      { status: 'regressed' },
      '400 status must be one of new, acknowledged, resolved, ignored (an issue is regressed by an event after it was resolved)',
    ],
    [
      { stauts: 'resolved' },
      '400 unknown field "stauts": use status, note, snoozeForMs, snoozeForEvents, resolvedInRelease',
    ],
    [
      {},
      '400 nothing to change: send status, note, snoozeForMs, snoozeForEvents, resolvedInRelease or some of them',
    ],
    [{ snoozeForMs: 60_000 }, '400 snoozeForMs and snoozeForEvents go with "status": "ignored"'],
    [
      { status: 'resolved', snoozeForEvents: 5 },
      '400 snoozeForMs and snoozeForEvents go with "status": "ignored"',
    ],
    [{ resolvedInRelease: '1.0.0' }, '400 resolvedInRelease goes with "status": "resolved"'],
    [
      { status: 'ignored', snoozeForMs: 1.5 },
      '400 snoozeForMs must be a whole number from 0 to 315360000000',
    ],
    [
      { status: 'ignored', snoozeForMs: 1e308 },
      '400 snoozeForMs must be a whole number from 0 to 315360000000',
    ],
    [{ status: 'ignored', snoozeForMs: -1 }, '400 snoozeForMs must be a whole number from 0 to 315360000000'],
    [
      { status: 'ignored', snoozeForMs: '60000' },
      '400 snoozeForMs must be a whole number from 0 to 315360000000',
    ],
    [
      { status: 'ignored', snoozeForEvents: 2.5 },
      '400 snoozeForEvents must be a whole number from 0 to 1000000000',
    ],
    [
      { status: 'ignored', snoozeForEvents: 2 ** 31 },
      '400 snoozeForEvents must be a whole number from 0 to 1000000000',
    ],
    [
      { status: 'resolved', resolvedInRelease: 42 },
      '400 resolvedInRelease must be text of at most 200 characters, without NUL',
    ],
    [
      { status: 'resolved', resolvedInRelease: 'r'.repeat(201) },
      '400 resolvedInRelease must be text of at most 200 characters, without NUL',
    ],
    [{ note: null }, '400 note must be text of at most 10000 characters, without NUL'],
    [{ note: 'n'.repeat(10_001) }, '400 note must be text of at most 10000 characters, without NUL'],
    [{ note: 'fixed\u0000' }, '400 note must be text of at most 10000 characters, without NUL'],
    [
      { status: 'resolved', resolvedInRelease: '1.0\u0000' },
      '400 resolvedInRelease must be text of at most 200 characters, without NUL',
    ],
  ])('should refuse %j with a 400 naming the field', (body, expected) => {
    expect(refusal(body)).toBe(expected);
  });
});
