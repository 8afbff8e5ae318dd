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
  const { value, generated } = await storedSecret(db, 'admin_token', () =>
    randomBytes(24).toString('base64url'),
  );
  return { token: value, generated };
}

/**
 * The key of the users' pseudonyms ("users affected"), made on first start and kept in the database,
 * so every instance and every restart gives a user the same one.
 */
export async function userKeySecretOf(db: Kysely<Database>): Promise<string> {
  return (await storedSecret(db, 'user_key_secret', () => randomBytes(32).toString('hex'))).value;
}

/** A setting made once (by whichever instance gets there first) and read back by all. */
async function storedSecret(
  db: Kysely<Database>,
  key: string,
  make: () => string,
): Promise<{ value: string; generated: boolean }> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  if (row) return { value: row.value, generated: false };
  const made = make();
  await db
    .insertInto('settings')
    .values({ key, value: made })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  // Another instance may have won the insert: read back the stored one.
  const stored = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { value: stored.value, generated: stored.value === made };
}

/** Constant-time comparison of a presented bearer token. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
