import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize.js';
import { createPseudonymizer } from './user-pseudonym.js';

const withUser = (user: Record<string, unknown> | undefined) => normalizeEvent({ log: ['ERROR: x'], user });

describe('createPseudonymizer', () => {
  it('should give one user one pseudonym under one secret, from the id before the email', () => {
    const pseudonymize = createPseudonymizer('k1');
    const of = (user: Record<string, unknown>) => pseudonymize(withUser(user)).user?.pseudonym;
    const alice = of({ email: 'alice@example.com' });
    expect(alice).toMatch(/^[0-9a-f]{32}$/);
    expect(of({ email: 'alice@example.com' })).toBe(alice);
    expect(of({ id: 'alice@example.com', email: 'other' })).toBe(alice);
    expect(of({ email: 'bob@example.com' })).not.toBe(alice);
    // Known by a username only: counted by it, and the name itself not kept.
    const grace = pseudonymize(withUser({ username: 'Grace Hopper' })).user;
    expect(grace).toEqual({ pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(of({ username: 'Grace Hopper' })).toBe(grace?.pseudonym);
    expect(of({ username: 'Ada' })).not.toBe(grace?.pseudonym);
    expect(of({ username: '42' })).not.toBe(of({ id: '42' }));
    expect(pseudonymize(withUser({ id: '7', username: 'Grace Hopper' })).user).not.toHaveProperty('username');
    // Whichever way the event takes: a pseudonym given before, in process (no client key).
    const given = normalizeEvent({ log: ['ERROR: x'], user: { pseudonym: 'abc' } });
    given.user!.username = 'Grace Hopper';
    expect(pseudonymize(given).user).toEqual({ pseudonym: 'abc' });
    // Another process with the same secret, the same pseudonym; another secret, another one: without
    // the secret, hashing guesses does not find the email.
    expect(createPseudonymizer('k1')(withUser({ email: 'alice@example.com' })).user?.pseudonym).toBe(alice);
    expect(createPseudonymizer('k2')(withUser({ email: 'alice@example.com' })).user?.pseudonym).not.toBe(
      alice,
    );
  });

  it('should give the same pseudonyms once it has forgotten what it remembered', () => {
    const pseudonymize = createPseudonymizer('k1');
    const first = pseudonymize(withUser({ id: 'user-0' })).user?.pseudonym;
    for (let index = 1; index <= 5_000; index++) pseudonymize(withUser({ id: `user-${index}` }));
    expect(pseudonymize(withUser({ id: 'user-0' })).user?.pseudonym).toBe(first);
  });

  it('should leave an event without a user identity, or with a pseudonym, as it is, and not change the one given', () => {
    const pseudonymize = createPseudonymizer('k1');
    const anonymous = withUser(undefined);
    expect(pseudonymize(anonymous)).toBe(anonymous);
    const nameless = withUser({ name: 'no id' });
    expect(pseudonymize(nameless)).toBe(nameless);
    const alreadyMade = withUser({ email: '[email]', pseudonym: 'f'.repeat(32) });
    expect(pseudonymize(alreadyMade)).toBe(alreadyMade);
    const given = withUser({ id: '42' });
    const made = pseudonymize(given);
    expect(given.user).toEqual({ id: '42', email: undefined, pseudonym: undefined });
    expect(made.user).toMatchObject({ id: '42', pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("should give a client's pseudonym and the identity it came from the same pseudonym, keyed again", () => {
    // The Node SDK pseudonymizes with its DSN's key before sending; a Sentry SDK sends the email.
    const client = createPseudonymizer('dsn-key');
    const server = createPseudonymizer('server-secret', { clientKey: 'dsn-key' });
    const fromClient = client(withUser({ email: 'alice@example.com' }));
    const byClient = server({
      ...fromClient,
      user: { email: '[email]', pseudonym: fromClient.user?.pseudonym },
    });
    const byEmail = server(withUser({ email: 'alice@example.com' }));
    expect(byClient.user?.pseudonym).toMatch(/^[0-9a-f]{32}$/);
    expect(byEmail.user?.pseudonym).toBe(byClient.user?.pseudonym);
    // What is stored is not the client's pseudonym, which anyone with the (public) DSN key could make
    // from a guessed email; another server secret gives another one.
    expect(byEmail.user?.pseudonym).not.toBe(fromClient.user?.pseudonym);
    const otherServer = createPseudonymizer('other-secret', { clientKey: 'dsn-key' });
    expect(otherServer(withUser({ email: 'alice@example.com' })).user?.pseudonym).not.toBe(
      byEmail.user?.pseudonym,
    );
    // Another project's key, another pseudonym; the same one again, remembered or not, the same.
    const otherProject = createPseudonymizer('server-secret', { clientKey: 'other-key' });
    expect(otherProject(withUser({ email: 'alice@example.com' })).user?.pseudonym).not.toBe(
      byEmail.user?.pseudonym,
    );
    expect(server(withUser({ id: 'alice@example.com' })).user?.pseudonym).toBe(byEmail.user?.pseudonym);
  });

  it('should survive normalization of the stored event, as the server worker does', () => {
    const made = createPseudonymizer('k1')(withUser({ email: 'alice@example.com' }));
    expect(normalizeEvent(JSON.parse(JSON.stringify(made))).user?.pseudonym).toBe(made.user?.pseudonym);
  });
});
