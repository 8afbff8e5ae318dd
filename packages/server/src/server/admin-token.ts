import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Database, storedSetting } from '@triage/engine';
import type { Kysely } from 'kysely';

/**
 * The admin token for the REST API and dashboard: TRIAGE_ADMIN_TOKEN when set,
 * otherwise one generated on first start and kept in the database.
 */
export async function adminTokenOf(
  db: Kysely<Database>,
  fromEnv?: string,
): Promise<{ token: string; generated: boolean }> {
  if (fromEnv) return { token: fromEnv, generated: false };
  const { value, generated } = await storedSetting(db, 'admin_token', () =>
    randomBytes(24).toString('base64url'),
  );
  return { token: value, generated };
}

/** Constant-time comparison of a presented bearer token. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
