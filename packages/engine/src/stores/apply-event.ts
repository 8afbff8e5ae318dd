import { createHash } from 'node:crypto';
import type { TriageEvent } from '@triage/core';
import semver from 'semver';
import type { Issue, RecordOptions } from '../ports/issue-store.js';

export interface Applied {
  issue: Issue;
  created: boolean;
  regressed: boolean;
  unsnoozed: boolean;
}

/**
 * The lifecycle rules, the same for every store: a new fingerprint makes a
 * `new` issue; an event for a `resolved` issue makes it `regressed` (when
 * asked, only from a newer release than the fix); an `ignored` issue wakes up
 * (`new` again) when its snooze time or event count runs out.
 */
export function applyEvent(
  existing: Issue | undefined,
  { event, fingerprint, title }: { event: TriageEvent; fingerprint: string; title: string },
  { now = Date.now(), regressOnlyInNewerRelease = false }: RecordOptions,
  newId: () => string,
): Applied {
  if (!existing) {
    return {
      created: true,
      regressed: false,
      unsnoozed: false,
      issue: {
        id: newId(),
        fingerprint,
        title,
        description: '',
        analysis: '',
        priority: event.priority,
        status: 'new',
        source: 'triage',
        service: event.service,
        environment: event.environment,
        file: event.source?.file,
        function: event.source?.function,
        release: event.release,
        createdAt: now,
        firstSeen: event.timestamp,
        lastSeen: event.timestamp,
        count: 1,
        usersAffected: 0,
        lastEventId: event.id,
        projectId: event.tags?.['triage.project'],
      },
    };
  }
  const issue: Issue = {
    ...existing,
    count: existing.count + 1,
    lastSeen: Math.max(existing.lastSeen, event.timestamp),
    firstSeen: Math.min(existing.firstSeen, event.timestamp),
    lastEventId: event.id,
    release: event.release ?? existing.release,
    priority: existing.priority ?? event.priority,
  };
  let regressed = false;
  let unsnoozed = false;
  if (
    existing.status === 'resolved' &&
    (!regressOnlyInNewerRelease || isNewer(event.release, existing.resolvedInRelease))
  ) {
    issue.status = 'regressed';
    regressed = true;
  } else if (existing.status === 'ignored') {
    const timeUp = existing.snoozeUntil != null && now >= existing.snoozeUntil;
    const countUp = existing.snoozeUntilCount != null && issue.count >= existing.snoozeUntilCount;
    if (timeUp || countUp) {
      issue.status = 'new';
      issue.snoozeUntil = undefined;
      issue.snoozeUntilCount = undefined;
      unsnoozed = true;
    }
  }
  return { issue, created: false, regressed, unsnoozed };
}

/** True when `release` is newer than `fixedIn`; unknown or non-semver releases count as newer when they differ. */
export function isNewer(release: string | undefined, fixedIn: string | undefined): boolean {
  if (!fixedIn) return true;
  if (!release) return false;
  const a = semver.coerce(release);
  const b = semver.coerce(fixedIn);
  if (a && b) return semver.gt(a, b);
  return release !== fixedIn;
}

/** Longer user keys are stored as their hash: still one per user, and they fit an index. */
export const MAX_USER_KEY_CHARS = 256;

/**
 * The user key counted in "users affected": the pseudonym made before redaction, else (an event
 * recorded without one) the id, else the email. It is part of an index, and PostgreSQL's btree refuses
 * an entry past about 8 KB: an event with a random 10,000-character user id was answered 200 and then
 * could never be recorded ("index row requires 10056 bytes, maximum size is 8191").
 */
export function userKeyOf(event: TriageEvent): string | undefined {
  const user = event.user;
  const key =
    typeof user?.pseudonym === 'string'
      ? user.pseudonym
      : (user?.id ?? (typeof user?.email === 'string' ? user.email : undefined));
  if (key === undefined || key.length <= MAX_USER_KEY_CHARS) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Epoch hour of a time. */
export function hourOf(time: number): number {
  return Math.floor(time / 3_600_000);
}
