import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize.js';
import { pseudonymizeUser } from './user-pseudonym.js';

const withUser = (user: Record<string, unknown> | undefined) => normalizeEvent({ log: ['ERROR: x'], user });

describe('pseudonymizeUser', () => {
  it('should give one user one pseudonym under one secret, from the id before the email', () => {
    const alice = pseudonymizeUser(withUser({ email: 'alice@example.com' }), 'k1').user?.pseudonym;
    expect(alice).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonymizeUser(withUser({ email: 'alice@example.com' }), 'k1').user?.pseudonym).toBe(alice);
    expect(
      pseudonymizeUser(withUser({ id: 'alice@example.com', email: 'other' }), 'k1').user?.pseudonym,
    ).toBe(alice);
    expect(pseudonymizeUser(withUser({ email: 'bob@example.com' }), 'k1').user?.pseudonym).not.toBe(alice);
    // Another secret, another pseudonym: without the secret, hashing guesses does not find the email.
    expect(pseudonymizeUser(withUser({ email: 'alice@example.com' }), 'k2').user?.pseudonym).not.toBe(alice);
  });

  it('should leave an event without a user identity as it is, and not change the one it was given', () => {
    const anonymous = withUser(undefined);
    expect(pseudonymizeUser(anonymous, 'k1')).toBe(anonymous);
    const nameless = withUser({ name: 'no id' });
    expect(pseudonymizeUser(nameless, 'k1')).toBe(nameless);
    const given = withUser({ id: '42' });
    const made = pseudonymizeUser(given, 'k1');
    expect(given.user).toEqual({ id: '42', email: undefined, pseudonym: undefined });
    expect(made.user).toMatchObject({ id: '42', pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('should survive normalization of the stored event, as the server worker does', () => {
    const made = pseudonymizeUser(withUser({ email: 'alice@example.com' }), 'k1');
    expect(normalizeEvent(JSON.parse(JSON.stringify(made))).user?.pseudonym).toBe(made.user?.pseudonym);
  });
});
