import { createHmac } from 'node:crypto';
import type { TriageEvent } from './types.js';

/** Identities remembered with their pseudonym: an HMAC costs about 2 µs an event, a lookup 0.1 (bench/pseudonym.mjs). */
const REMEMBERED = 4_096;

/**
 * Sets `user.pseudonym`: an HMAC-SHA256 of the user's id (else email) under `secret`, 32 hex
 * characters. It runs before redaction, which turns every email (as an email or as an id) into
 * `[email]`: "users affected" counted all users known by email as one. Keyed, so the stored value
 * cannot be turned back into an email by hashing guesses without the secret; the same secret (the
 * server keeps one in its database; the Node SDK uses its DSN's key) gives the same pseudonym in every
 * process. Users come back event after event, so the last few thousand identities are remembered (in
 * memory only, as the redactor remembers the strings it redacted).
 */
export function createPseudonymizer(secret: string): (event: TriageEvent) => TriageEvent {
  const remembered = new Map<string, string>();
  return (event) => {
    // One made before (the Node SDK makes it before sending) is kept: the email it came from is
    // `[email]` by now.
    if (event.user?.pseudonym) return event;
    const identity = event.user?.id ?? event.user?.email;
    if (!identity) return event;
    let pseudonym = remembered.get(identity);
    if (pseudonym === undefined) {
      pseudonym = createHmac('sha256', secret).update(identity).digest('hex').slice(0, 32);
      if (remembered.size >= REMEMBERED) remembered.clear();
      remembered.set(identity, pseudonym);
    }
    return { ...event, user: { ...event.user, pseudonym } };
  };
}
