import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '@triage/engine';
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
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'admin_token')
    .executeTakeFirst();
  if (row) return { token: row.value, generated: false };
  const token = randomBytes(24).toString('base64url');
  await db
    .insertInto('settings')
    .values({ key: 'admin_token', value: token })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  // Another instance may have won the insert: read back the stored one.
  const stored = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'admin_token')
    .executeTakeFirstOrThrow();
  return { token: stored.value, generated: stored.value === token };
}

/** Constant-time comparison of a presented bearer token. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
