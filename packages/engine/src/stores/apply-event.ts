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
 * `new` issue; an event dated from the resolve on for a `resolved` issue makes
 * it `regressed` (when asked, only from a newer release than the fix); an
 * `ignored` issue wakes up (`new` again) when its snooze time or event count
 * runs out.
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
    !predatesResolve(event, existing) &&
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

/**
 * An event dated before its issue was resolved (one a client kept through a crash and sent late, one
 * replayed, one from an instance still draining) was part of what the resolve dealt with: it is counted,
 * and does not bring the issue back. No allowance for clock skew: timestamps more than a minute ahead of
 * the server are already replaced with the time received, and an event from a client whose clock lags
 * regresses the issue as soon as its clock passes the resolve, while an allowance would have every event
 * still arriving as the fix was resolved bring the issue back.
 */
function predatesResolve(event: TriageEvent, existing: Issue): boolean {
  return existing.resolvedAt != null && event.timestamp < existing.resolvedAt;
}

/**
 * True when `release` is newer than `fixedIn`. Only two valid semantic versions are ordered (a
 * prerelease before its release); any other pair of releases that differ counts as newer: a git SHA or a
 * build number read as a version (`9c1e4f2a7b` as 9.0.0) put the next deploy behind the fix, and its
 * regression was never seen.
 */
export function isNewer(release: string | undefined, fixedIn: string | undefined): boolean {
  if (!fixedIn) return true;
  if (!release) return false;
  const a = versionOf(release);
  const b = versionOf(fixedIn);
  // A release named with its package and one without (`app@1.3.0`, and `1.4.0` typed in a resolve)
  // are versions of one thing; two packages' are not ordered.
  if (a && b && (a.name === '' || b.name === '' || a.name.toLowerCase() === b.name.toLowerCase())) {
    const order = semver.compare(a.version, b.version);
    // Builds of one version (`1.4.0+9c1e4f2`, `1.4.0+3f5d8e1`) cannot be ordered: another one is newer.
    return order !== 0 ? order > 0 : a.version.build.join('.') !== b.version.build.join('.');
  }
  return release !== fixedIn;
}

/**
 * A release's semantic version, and the package it names in Sentry's `package@version` form
 * (`checkout@1.4.2`): versions of two packages are not ordered.
 */
function versionOf(release: string): { name: string; version: semver.SemVer } | undefined {
  const at = release.lastIndexOf('@');
  const version = semver.parse(release.slice(at + 1));
  return version ? { name: release.slice(0, Math.max(at, 0)), version } : undefined;
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
