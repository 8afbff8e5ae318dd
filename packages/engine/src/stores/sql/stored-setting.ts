import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * A setting made once, by whichever process gets there first, and read back by all (the admin token,
 * the key of the users' pseudonyms): every instance and every restart sees the same value.
 */
export async function storedSetting(
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
  // Another process may have won the insert: read back the stored one.
  const stored = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { value: stored.value, generated: stored.value === made };
}

/** The key of the users' pseudonyms ("users affected") kept in the database. */
export async function userKeySecretOf(db: Kysely<Database>): Promise<string> {
  return (await storedSetting(db, 'user_key_secret', () => randomBytes(32).toString('hex'))).value;
}
