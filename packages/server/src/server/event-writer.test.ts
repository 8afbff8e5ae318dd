import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { testDatabase } from '@triage/engine/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SLICED_BODY_BYTES } from '../ingest/index.js';
import { EventWriter } from './event-writer.js';
import { JobQueue } from './job-queue.js';
import type { Project } from './projects.js';

const project: Project = {
  id: 'p1',
  name: 'default',
  publicKey: 'k'.repeat(32),
  createdAt: 0,
  rateLimits: {},
};
const postgres = testDatabase('triage_writer');
beforeAll(postgres.create);
afterAll(postgres.drop);

const cleanUp: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanUp.splice(0).reverse()) await step();
});

/** Shows `see` the SQL of each statement run through `db`, within a transaction or not. */
function watchStatements(db: SqlStore['db'], see: (sql: string) => void) {
  type Runner = Pick<SqlStore['db'], 'executeQuery'>;
  const watched = <T extends Runner>(runner: T): T => {
    const execute = runner.executeQuery.bind(runner);
    runner.executeQuery = ((query: Parameters<typeof execute>[0]) => {
      see(('compile' in query ? query.compile() : query).sql);
      return execute(query);
    }) as typeof execute;
    return runner;
  };
  watched(db);
  const transaction = db.transaction.bind(db);
  db.transaction = () => {
    const builder = transaction();
    const execute = builder.execute.bind(builder);
    builder.execute = ((callback: Parameters<typeof execute>[0]) =>
      execute((trx) => callback(watched(trx)))) as typeof execute;
    return builder;
  };
}

async function writerOn(url: string, options?: ConstructorParameters<typeof EventWriter>[2]) {
  const store: SqlStore = await openSqlStore({ url });
  cleanUp.push(() => store.close());
  const jobs = new JobQueue({
    db: store.db,
    dialect: store.dialect,
    run: async () => {},
    onFailure: () => {},
  });
  // Counts the statements that reach the database, to see the requests of one turn share one insert.
  const inserts: string[] = [];
  watchStatements(store.db, (sql) => {
    if (/^insert into jobs/i.test(sql)) inserts.push(sql);
  });
  const payloads = async () =>
    (await store.db.selectFrom('jobs').select(['kind', 'payload', 'status']).orderBy('id').execute()).map(
      (row) => {
        expect(row.kind).toBe('event');
        expect(row.status).toBe('pending');
        return JSON.parse(row.payload) as { id: string; log: Array<{ message: string }>; tags: object };
      },
    );
  return { writer: new EventWriter(jobs, 'user key secret', options), payloads, inserts };
}

const event = (order: number) => ({ log: [`ERROR: payment failed for jane@example.com order=${order}`] });

describe.each([
  ['SQLite', () => join(mkdtempSync(join(tmpdir(), 'triage-writer-')), 'triage.db')],
  ['PostgreSQL', () => postgres.url],
])('EventWriter on %s', (_, url) => {
  it('should store the events of concurrent requests in one insert, redacted, before answering', async () => {
    const { writer, payloads, inserts } = await writerOn(url());
    const before = new Set((await payloads()).map((row) => row.id));
    const [first, second, third] = await Promise.all([
      writer.accept(project, [event(1), event(2)]),
      writer.accept(project, [event(3), 42, { log: 42 }]),
      writer.accept(project, [event(4)]),
    ]);
    expect(first!.ids).toHaveLength(2);
    expect(first!.errors).toEqual([]);
    expect(second!.ids).toHaveLength(1);
    expect(second!.errors.map((error) => error.index)).toEqual([1, 2]);
    expect(third!.ids).toHaveLength(1);
    expect(inserts).toHaveLength(1);
    const rows = (await payloads()).filter((row) => !before.has(row.id));
    expect(rows.map((row) => row.id).sort()).toEqual([...first!.ids, ...second!.ids, ...third!.ids].sort());
    for (const row of rows) {
      expect(row.log[0]!.message).not.toContain('jane@example.com');
      expect(row.log[0]!.message).toMatch(/order=\d/);
      expect(row.tags).toMatchObject({ 'triage.project': 'p1' });
    }
  });

  it('should let the next turn join the insert of a busy turn, and not make a lone request wait for it', async () => {
    const { writer, inserts } = await writerOn(url());
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const busy = [writer.accept(project, [event(1)]), writer.accept(project, [event(2)])];
    await nextTurn();
    busy.push(writer.accept(project, [event(3)]));
    await Promise.all(busy);
    expect(inserts).toHaveLength(1);
    const lone = [writer.accept(project, [event(4)])];
    await nextTurn();
    lone.push(writer.accept(project, [event(5)]));
    await Promise.all(lone);
    expect(inserts).toHaveLength(3);
  });

  it('should go on gathering while each turn brings more requests, for a bounded number of turns', async () => {
    const { writer, inserts } = await writerOn(url());
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // Two requests, then one more in each of the next four turns, as under a steady load: one insert.
    const steady = [writer.accept(project, [event(1)]), writer.accept(project, [event(2)])];
    for (let turn = 0; turn < 4; turn++) {
      await nextTurn();
      steady.push(writer.accept(project, [event(3 + turn)]));
    }
    await Promise.all(steady);
    expect(inserts).toHaveLength(1);
    // A request in every one of twenty turns: the wait ends after a few of them, so more than one insert.
    const before = inserts.length;
    const endless = [writer.accept(project, [event(10)]), writer.accept(project, [event(11)])];
    for (let turn = 0; turn < 20; turn++) {
      await nextTurn();
      endless.push(writer.accept(project, [event(12 + turn)]));
    }
    await Promise.all(endless);
    expect(inserts.length - before).toBeGreaterThanOrEqual(2);
  });

  it('should fail only the request whose events could not be prepared, and store the rest of its turn', async () => {
    const { writer, payloads } = await writerOn(url());
    const before = (await payloads()).length;
    // Not an invalid event (that is reported by position) but a bug while reading one.
    const broken = {
      get log(): string[] {
        throw new TypeError('a bug while reading the event');
      },
    };
    const [good, bad, alsoGood] = await Promise.allSettled([
      writer.accept(project, [event(1)]),
      writer.accept(project, [event(2), broken]),
      writer.accept(project, [event(3)]),
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.any(TypeError) });
    expect(good).toMatchObject({ status: 'fulfilled', value: { ids: [expect.any(String)] } });
    expect(alsoGood).toMatchObject({ status: 'fulfilled', value: { ids: [expect.any(String)] } });
    const stored = (await payloads()).slice(before);
    expect(stored.map((row) => row.log[0]!.message)).toEqual([
      expect.stringContaining('order=1'),
      expect.stringContaining('order=3'),
    ]);
  });

  it('should prepare and store a large request slice by slice, letting a small one through meanwhile', async () => {
    // Every slice as short as can be: each event of the large request is its own slice.
    const { writer, payloads, inserts } = await writerOn(url(), { sliceMs: 0 });
    const before = new Set((await payloads()).map((row) => row.id));
    const large = Array.from({ length: 6 }, (_, order) => (order === 2 ? { log: 42 } : event(order)));
    const answered: string[] = [];
    const largeAccepted = writer
      .accept(project, large, SLICED_BODY_BYTES + 1)
      .finally(() => answered.push('large'));
    await new Promise((resolve) => setImmediate(resolve));
    const smallAccepted = writer.accept(project, [event(100)]).finally(() => answered.push('small'));
    const [{ ids, errors }, small] = await Promise.all([largeAccepted, smallAccepted]);
    expect(answered).toEqual(['small', 'large']);
    expect(ids).toHaveLength(5);
    expect(errors).toEqual([{ index: 2, error: expect.stringMatching(/log/) }]);
    // Stored as they were prepared, not in one insert at the end.
    expect(inserts.length).toBeGreaterThanOrEqual(3);
    const stored = (await payloads()).filter((row) => !before.has(row.id));
    expect(stored.map((row) => row.id).sort()).toEqual([...ids, ...small.ids].sort());
    expect(stored.every((row) => !JSON.stringify(row).includes('jane@example.com'))).toBe(true);
  });

  it('should split a turn larger than one insert holds, and store all of it', async () => {
    const { writer, payloads, inserts } = await writerOn(url());
    const before = (await payloads()).length;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, request) =>
        writer.accept(
          project,
          Array.from({ length: 50 }, (_, order) => event(request * 50 + order)),
        ),
      ),
    );
    expect(results.flatMap((result) => result.ids)).toHaveLength(600);
    expect(inserts).toEqual([expect.stringMatching(/^insert into jobs/), expect.anything()]);
    expect((await payloads()).length - before).toBe(600);
  });
});
