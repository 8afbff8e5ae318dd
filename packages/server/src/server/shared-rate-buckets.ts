import type { Database } from '@triage/engine';
import { type Kysely, sql } from 'kysely';
import type { RateBucketRefill, SharedRateBuckets } from './rate-limiter.js';

/**
 * The token buckets of the rate limit, in the database every instance shares: one upsert takes what an
 * instance let through since its last call and answers what is left. One statement, so two instances
 * settling the same bucket at once both count (the row lock, or SQLite's one writer, orders them).
 */
export function sharedRateBuckets(db: Kysely<Database>): SharedRateBuckets {
  return {
    async settle(bucket, used, now, { perMs, burst }: RateBucketRefill) {
      // Typed parameters: PostgreSQL would guess integer arithmetic from the bare ones.
      const rate = sql<number>`cast(${perMs} as double precision)`;
      const cap = sql<number>`cast(${burst} as double precision)`;
      const taken = sql<number>`cast(${used} as double precision)`;
      // Clocks of two machines differ: a call stamped earlier than the row refills nothing.
      const refilled = sql<number>`rate_buckets.tokens + case when excluded.refilled_at > rate_buckets.refilled_at
        then excluded.refilled_at - rate_buckets.refilled_at else 0 end * ${rate}`;
      const row = await db
        .insertInto('rate_buckets')
        .values({ bucket, tokens: burst - used, refilled_at: now })
        .onConflict((conflict) =>
          conflict.column('bucket').doUpdateSet({
            tokens: sql<number>`case when ${refilled} > ${cap} then ${cap} else ${refilled} end - ${taken}`,
            refilled_at: sql<number>`case when excluded.refilled_at > rate_buckets.refilled_at
              then excluded.refilled_at else rate_buckets.refilled_at end`,
          }),
        )
        .returning('tokens')
        .executeTakeFirstOrThrow();
      return Number(row.tokens);
    },
  };
}
