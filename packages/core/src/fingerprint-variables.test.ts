import { describe, expect, it } from 'vitest';
import { fingerprintEvent } from './fingerprint.js';
import { normalizeEvent } from './normalize.js';

const event = (fingerprint: string[]) =>
  normalizeEvent({
    level: 'warn',
    message: 'charge 42 declined',
    error: {
      type: 'CardError',
      message: 'card 4242 declined',
      stack:
        'CardError: x\n    at stripeCall (/app/node_modules/stripe/lib.js:1:1)\n    at charge (/app/src/pay.js:9:3)',
    },
    tags: { transaction: 'POST /checkout', logger: 'payments', region: 'eu' },
    fingerprint,
  });

describe('fingerprintEvent: Sentry fingerprint variables', () => {
  it("should fill in the event's values", () => {
    expect(
      fingerprintEvent(
        event([
          '{{ transaction }}',
          '{{type}}',
          '{{ error.type }}',
          '{{ value }}',
          '{{ error.raw_value }}',
          '{{ function }}',
          '{{ stack.abs_path }}',
          '{{ level }}',
          '{{ logger }}',
          '{{ tags.region }}',
          '{{ message }}',
          '{{ raw_message }}',
          'literal',
        ]),
      ).components,
    ).toEqual([
      'POST /checkout',
      'CardError',
      'CardError',
      // Both as sent, as Sentry gives them.
      'card 4242 declined',
      'card 4242 declined',
      'charge',
      '/app/src/pay.js',
      // An event with an error is at level error at least.
      'error',
      'payments',
      'eu',
      'charge <num> declined',
      'charge 42 declined',
      'literal',
    ]);
  });

  it("should write Sentry's placeholder for what the event lacks, and for a variable it does not know", () => {
    const { components } = fingerprintEvent(
      normalizeEvent({
        log: ['ERROR boom'],
        fingerprint: [
          '{{ tags.missing }}',
          '{{ type }}',
          '{{ module }}',
          '{{ transaction }}',
          '{{ stack.filename }}',
          '{{ no.such }}',
        ],
      }),
    );
    expect(components).toEqual([
      '<no-value-for-tag-missing>',
      '<no-type>',
      '<no-module>',
      '<no-transaction>',
      '<no-filename>',
      '<unrecognized-variable-no.such>',
    ]);
  });

  it('should tell events apart by a variable, where they were one issue by its literal text', () => {
    const a = fingerprintEvent(event(['{{ transaction }}']));
    const b = fingerprintEvent({ ...event(['{{ transaction }}']), tags: { transaction: 'GET /cart' } });
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});
