import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/postgres-database.js';
import { sqlDatabases } from '../../test/sql-databases.js';
import { openSqlStore } from './open-sql-store.js';

const postgres = testDatabase('triage_spend_booking');
afterAll(() => postgres.drop());

describe.each(sqlDatabases('triage-booking', postgres))('booking LLM spend on %s', (_name, url) => {
  it('should let exactly the bookings through that fit, when two stores book at once', async () => {
    const databaseUrl = await url();
    const stores = [await openSqlStore({ url: databaseUrl }), await openSqlStore({ url: databaseUrl })];
    try {
      const day = '2026-03-01';
      // $0.3 a call against $1 a day: three bookings fit (0, 0.3 and 0.6 are under it), the fourth is at 0.9.
      const booked = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          stores[index % 2]?.reserveSpend(day, `handler ${index % 3}`, 0.3, { dailyUsd: 1 }),
        ),
      );
      expect(booked.filter(Boolean)).toHaveLength(4);
      const spend = await stores[0]?.spendOn(day);
      expect(spend?.calls).toBe(4);
      expect(spend?.totalUsd).toBeCloseTo(1.2, 10);
      // A handler's own budget, with the day's still open: two of its bookings fit.
      const handler = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          stores[index % 2]?.reserveSpend('2026-03-02', 'checkout', 0.3, {
            dailyUsd: 100,
            handlerDailyUsd: 0.5,
          }),
        ),
      );
      expect(handler.filter(Boolean)).toHaveLength(2);
      // Settling gives back what a booking overestimated, and a released call.
      await stores[1]?.addSpend('2026-03-02', 'checkout', -0.5, -1);
      expect(await stores[0]?.spendOn('2026-03-02')).toMatchObject({
        calls: 1,
        byHandler: { checkout: { calls: 1 } },
      });
      expect((await stores[0]?.spendOn('2026-03-02'))?.totalUsd).toBeCloseTo(0.1, 10);
      // No budget: every booking is counted.
      await Promise.all([1, 2, 3].map(() => stores[0]?.reserveSpend('2026-03-03', 'h', 0.3, {})));
      expect((await stores[1]?.spendOn('2026-03-03'))?.calls).toBe(3);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
