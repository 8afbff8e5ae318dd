import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventWriter, InlineEventWriter, ThreadEventWriter } from './event-writer.js';
import { JobQueue } from './job-queue.js';
import type { Project } from './projects.js';

const project: Project = { id: 'p1', name: 'default', publicKey: 'k'.repeat(32), createdAt: 0 };
const cleanUp: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanUp.splice(0).reverse()) await step();
});

async function writerOn(path?: string) {
  const store: SqlStore = await openSqlStore({
    url: join(mkdtempSync(join(tmpdir(), 'triage-writer-')), 'triage.db'),
  });
  cleanUp.push(() => store.close());
  const jobs = new JobQueue({
    db: store.db,
    dialect: store.dialect,
    run: async () => {},
    onFailure: () => {},
  });
  const failures: Array<{ stage: string; error: unknown }> = [];
  let stored = 0;
  const writer = await ThreadEventWriter.start({
    path: path ?? store.sqliteFile!,
    sqliteSync: 'normal',
    fallback: new InlineEventWriter(jobs),
    onStored: () => stored++,
    onFailure: (stage, error) => failures.push({ stage, error }),
  });
  cleanUp.push(() => writer.close());
  const payloads = async () =>
    (await store.db.selectFrom('jobs').select(['kind', 'payload']).orderBy('id').execute()).map((row) => {
      expect(row.kind).toBe('event');
      return JSON.parse(row.payload) as { id: string; log: Array<{ message: string }>; tags: object };
    });
  return { writer, failures, payloads, stored: () => stored, store };
}

const event = (order: number) => ({ log: [`ERROR: payment failed for jane@example.com order=${order}`] });

describe('ThreadEventWriter', () => {
  it('should store the events of concurrent requests from its thread, redacted, before answering', async () => {
    const { writer, failures, payloads, stored } = await writerOn();
    expect(writer).toBeInstanceOf(ThreadEventWriter);
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
    const rows = await payloads();
    expect(rows.map((row) => row.id).sort()).toEqual([...first!.ids, ...second!.ids, ...third!.ids].sort());
    for (const row of rows) {
      expect(row.log[0]!.message).not.toContain('jane@example.com');
      expect(row.tags).toMatchObject({ 'triage.project': 'p1' });
    }
    expect(stored()).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('should hand the requests in flight to the fallback when its thread dies, losing none', async () => {
    const { writer, failures, payloads } = await writerOn();
    const accepted = Array.from({ length: 20 }, (_, order) => writer.accept(project, [event(order)]));
    // Posted to the thread (next turn), then the thread is stopped before it can answer.
    await new Promise((resolve) => setImmediate(resolve));
    await (writer as ThreadEventWriter).thread.terminate();
    const results = await Promise.all(accepted);
    const ids = results.flatMap((result) => result.ids);
    expect(ids).toHaveLength(20);
    expect((await payloads()).map((row) => row.id).sort()).toEqual(ids.sort());
    expect(failures.map((failure) => failure.stage)).toEqual(['event writer']);
    // Later requests go straight to the fallback.
    expect((await writer.accept(project, [event(99)])).ids).toHaveLength(1);
    expect(await payloads()).toHaveLength(21);
  });

  it('should report a thread that cannot open the database and give the fallback instead', async () => {
    const { writer, failures, payloads } = await writerOn('/nonexistent/triage/triage.db');
    expect(writer).toBeInstanceOf(InlineEventWriter);
    expect(failures).toHaveLength(1);
    expect(String((failures[0]!.error as Error).message)).toMatch(/directory does not exist|unable to open/);
    expect((await writer.accept(project, [event(1)])).ids).toHaveLength(1);
    expect(await payloads()).toHaveLength(1);
  });

  it('should empty the write-ahead log from its thread when asked', async () => {
    const { writer, store } = await writerOn();
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, order) => writer.accept(project, [event(order)])));
    }
    const log = `${store.sqliteFile}-wal`;
    expect(statSync(log).size).toBeGreaterThan(0);
    await (writer as ThreadEventWriter).truncateWal();
    expect(statSync(log).size).toBe(0);
  });

  it('should store what is in flight when closed', async () => {
    const { writer, payloads } = await writerOn();
    const accepted: Array<ReturnType<EventWriter['accept']>> = [];
    for (let order = 0; order < 5; order++) accepted.push(writer.accept(project, [event(order)]));
    await writer.close();
    expect((await Promise.all(accepted)).flatMap((result) => result.ids)).toHaveLength(5);
    expect(await payloads()).toHaveLength(5);
  });
});
