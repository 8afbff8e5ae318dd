import { createHmac } from 'node:crypto';
import type { TriageEvent } from './types.js';

/** Identities remembered with their pseudonym: an HMAC costs about 2 µs an event, a lookup 0.1 (bench/pseudonym.mjs). */
const REMEMBERED = 4_096;

export interface PseudonymizerOptions {
  /**
   * The key a client made its pseudonyms with before sending (the Node SDK uses its DSN's public key).
   * With it, an identity is first given that client's pseudonym, and every pseudonym, a client's
   * included, is keyed again with `secret`: a user counts once whether it came pseudonymized by the
   * Node SDK or by email from a Sentry SDK, and what is stored still cannot be matched to an email
   * without `secret` (a DSN's key is no secret: a browser SDK's is in every page).
   */
  clientKey?: string;
}

/**
 * Sets `user.pseudonym`: an HMAC-SHA256 of the user's id (else email) under `secret`, 32 hex
 * characters. It runs before redaction, which turns every email (as an email or as an id) into
 * `[email]`: "users affected" counted all users known by email as one. Keyed, so the stored value
 * cannot be turned back into an email by hashing guesses without the secret; the same secret (the
 * server keeps one in its database; the Node SDK uses its DSN's key) gives the same pseudonym in every
 * process. Users come back event after event, so the last few thousand identities are remembered (in
 * memory only, as the redactor remembers the strings it redacted).
 */
export function createPseudonymizer(
  secret: string,
  { clientKey }: PseudonymizerOptions = {},
): (event: TriageEvent) => TriageEvent {
  const remembered = new Map<string, string>();
  const remember = (key: string, make: () => string) => {
    let value = remembered.get(key);
    if (value === undefined) {
      value = make();
      if (remembered.size >= REMEMBERED) remembered.clear();
      remembered.set(key, value);
    }
    return value;
  };
  return (event) => {
    const given = event.user?.pseudonym;
    if (given) {
      // Without a client key, one made before is kept (the Node SDK's, in process): the email it came
      // from is `[email]` by now.
      if (clientKey === undefined) return withoutUsername(event);
      return withPseudonym(
        event,
        remember(`p:${given}`, () => hmac(secret, given)),
      );
    }
    const { username } = event.user ?? {};
    // A user known only by a username (a Sentry SDK's setUser({ username })) is counted by it, and the
    // name itself is not kept: a person's name is not an id.
    // Prefixed: the username "42" is not the user whose id is 42.
    const identity =
      event.user?.id ??
      event.user?.email ??
      (typeof username === 'string' ? `username:${username}` : undefined);
    if (!identity) return withoutUsername(event);
    const pseudonym = remember(`i:${identity}`, () =>
      hmac(secret, clientKey === undefined ? identity : hmac(clientKey, identity)),
    );
    return withPseudonym(event, pseudonym);
  };
}

function hmac(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

/**
 * The event without its user's `username`: a name makes the pseudonym (when nothing else names the
 * user) and is never kept, whichever way the event takes; also for events stored without being
 * pseudonymized again (the engine's `redacted` ones).
 */
export function withoutUsername(event: TriageEvent): TriageEvent {
  if (event.user?.username === undefined) return event;
  const { username: _dropped, ...user } = event.user;
  return { ...event, user };
}

function withPseudonym(event: TriageEvent, pseudonym: string): TriageEvent {
  const { username: _dropped, ...user } = event.user ?? {};
  return { ...event, user: { ...user, pseudonym } };
}
