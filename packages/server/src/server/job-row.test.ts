import { describe, expect, it } from 'vitest';
import { insertJobsQueries } from './job-row.js';

const jobs = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ kind: 'event', payload: `${index}` }));
const rowsOf = (sql: string) => sql.split('(?, ?, ?, ?, ?, ?, ?)').length - 1;

describe('insertJobsQueries', () => {
  it('should insert at most 500 rows per statement, in order', () => {
    const queries = insertJobsQueries('sqlite', jobs(600), 1);
    expect(queries.map((query) => rowsOf(query.sql))).toEqual([500, 100]);
    expect(queries[1]!.parameters.slice(0, 2)).toEqual(['event', '500']);
  });

  it('should, with powersOfTwo, use inserts of a power of two of rows, so any size needs few statement shapes', () => {
    const queries = insertJobsQueries('sqlite', jobs(300), 1, { powersOfTwo: true });
    expect(queries.map((query) => rowsOf(query.sql))).toEqual([256, 32, 8, 4]);
    const payloads = queries.flatMap((query) => query.parameters.filter((_, index) => index % 7 === 1));
    expect(payloads).toEqual(jobs(300).map((job) => job.payload));
    const shapes = new Set<string>();
    for (let count = 1; count <= 1_000; count++)
      for (const query of insertJobsQueries('sqlite', jobs(count), 1, { powersOfTwo: true }))
        shapes.add(query.sql);
    expect(shapes.size).toBe(9);
  });
});
