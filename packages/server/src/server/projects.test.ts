import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { testDatabase } from '@triage/engine/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProjectExistsError, ProjectRegistry } from './projects.js';

describe('ProjectRegistry keys', () => {
  let store: SqlStore | undefined;
  const open = async () => {
    store = await openSqlStore({ url: join(mkdtempSync(join(tmpdir(), 'triage-keys-')), 'triage.db') });
    return store;
  };
  afterEach(async () => {
    await store?.close();
  });
  // Another process (the CLI, another instance) writes the same table.
  const insertBehindItsBack = (db: SqlStore['db'], key: string) =>
    db.insertInto('projects').values({ id: '9', name: 'late', public_key: key, created_at: 0 }).execute();

  it('should remember a key that no project has, for its cache time, and read it again after', async () => {
    const { db } = await open();
    const projects = new ProjectRegistry(db, { keyCacheMs: 60_000 });
    const key = 'k'.repeat(32);
    expect(await projects.byKey(key)).toBeUndefined();
    await insertBehindItsBack(db, key);
    // Still cached as unknown: a flood of bad keys is not a flood of queries.
    expect(await projects.byKey(key)).toBeUndefined();
    const uncached = new ProjectRegistry(db, { keyCacheMs: 0 });
    expect(await uncached.byKey(key)).toMatchObject({ id: '9', name: 'late' });
  });

  it('should stop taking an old key once its cache time is over, wherever the key was changed', async () => {
    const { db } = await open();
    const projects = new ProjectRegistry(db, { keyCacheMs: 200 });
    const created = await projects.create('billing');
    expect(await projects.byKey(created.publicKey)).toMatchObject({ name: 'billing' });
    // Rotated by another registry, as `triage projects rotate-key` does from its own process.
    const rotated = await new ProjectRegistry(db).rotateKey('billing');
    expect(rotated).toMatchObject({ id: created.id, name: 'billing' });
    expect(rotated!.publicKey).toMatch(/^[0-9a-f]{32}$/);
    expect(rotated!.publicKey).not.toBe(created.publicKey);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await projects.byKey(created.publicKey)).toBeUndefined();
    expect(await projects.byKey(rotated!.publicKey)).toMatchObject({ id: created.id });
  });

  it('should bound the keys it remembers by their length too', async () => {
    const { db } = await open();
    const projects = new ProjectRegistry(db, { keyCacheMs: 60_000 });
    const long = (index: number) => `${index}`.padEnd(16_000, 'x');
    // 100 unknown keys of 16,000 characters: 1.6 million characters, more than it keeps.
    for (let index = 0; index < 100; index++) expect(await projects.byKey(long(index))).toBeUndefined();
    // The first ones were let go: a project created with one of them since is found.
    await insertBehindItsBack(db, long(0));
    expect(await projects.byKey(long(0))).toMatchObject({ name: 'late' });
    // The last one is still remembered as unknown.
    await db
      .updateTable('projects')
      .set({ public_key: long(99) })
      .where('id', '=', '9')
      .execute();
    expect(await projects.byKey(long(99))).toBeUndefined();
  });

  it('should forget at once what it cached when it rotates a key itself', async () => {
    const { db } = await open();
    const projects = new ProjectRegistry(db, { keyCacheMs: 60_000 });
    const created = await projects.create('billing');
    expect(await projects.byKey(created.publicKey)).toBeDefined();
    const rotated = await projects.rotateKey('billing');
    expect(await projects.byKey(created.publicKey)).toBeUndefined();
    expect(await projects.byKey(rotated!.publicKey)).toMatchObject({ name: 'billing' });
    expect(await projects.rotateKey('no-such-project')).toBeUndefined();
  });
});

describe.each(['sqlite', 'postgres'] as const)('ProjectRegistry rate limits on %s', (dialect) => {
  const postgres = testDatabase('triage_project_limits');
  let store: SqlStore | undefined;
  beforeAll(() => postgres.create());
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => postgres.drop());

  it('should store a project’s own limits as numbers, leave the other as it was, and give the server’s back on null', async () => {
    store = await openSqlStore({
      url:
        dialect === 'sqlite'
          ? join(mkdtempSync(join(tmpdir(), 'triage-limits-')), 'triage.db')
          : postgres.url,
    });
    await store.db.deleteFrom('projects').execute();
    const projects = new ProjectRegistry(store.db, { keyCacheMs: 60_000 });
    const created = await projects.create('billing');
    expect(created.rateLimits).toEqual({});
    // Cached before the change: this registry's own change is seen at once.
    expect((await projects.byKey(created.publicKey))?.rateLimits).toEqual({});
    expect(
      await projects.setRateLimits(
        { name: 'billing' },
        { eventsPerMinute: 120, bytesPerMinute: 5_000_000_000 },
      ),
    ).toMatchObject({
      rateLimits: { eventsPerMinute: 120, bytesPerMinute: 5_000_000_000 },
    });
    expect((await projects.byKey(created.publicKey))?.rateLimits).toEqual({
      eventsPerMinute: 120,
      bytesPerMinute: 5_000_000_000,
    });
    expect(
      (await projects.setRateLimits({ name: 'billing' }, { eventsPerMinute: null }))?.rateLimits,
    ).toEqual({
      bytesPerMinute: 5_000_000_000,
    });
    expect((await projects.list())[0]?.rateLimits).toEqual({ bytesPerMinute: 5_000_000_000 });
    expect(await projects.setRateLimits({ name: 'nobody' }, { eventsPerMinute: 1 })).toBeUndefined();
    await expect(projects.setRateLimits({ name: 'billing' }, { eventsPerMinute: 0.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(projects.setRateLimits({ name: 'billing' }, {})).rejects.toThrow('no rate limit to change');
  });
});

describe.each(['sqlite', 'postgres'] as const)('ProjectRegistry.create at the same time on %s', (dialect) => {
  const postgres = testDatabase('triage_project_create');
  const stores: SqlStore[] = [];
  beforeAll(() => postgres.create());
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(() => postgres.drop());

  it('should give each project its own id when they take the same one, and say a name exists only when it does', async () => {
    const url =
      dialect === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'triage-create-')), 'triage.db') : postgres.url;
    // Registries of their own, as `triage projects create` run in several shells at once.
    for (let index = 0; index < 6; index++) stores.push(await openSqlStore({ url }));
    await stores[0]!.db.deleteFrom('projects').execute();
    await new ProjectRegistry(stores[0]!.db).create('default');
    const names = ['billing', 'search', 'mail', 'auth', 'web', 'cron'];
    // Each read the same highest id: all but one took an id another had taken.
    const created = await Promise.all(
      names.map((name, index) => new ProjectRegistry(stores[index]!.db).create(name)),
    );
    expect(created.map((project) => project.name)).toEqual(names);
    expect(new Set(created.map((project) => project.id)).size).toBe(names.length);
    const listed = await new ProjectRegistry(stores[0]!.db).list();
    expect(listed.map((project) => project.name).sort()).toEqual(['default', ...names].sort());
    expect(listed.map((project) => project.id).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7'].sort());

    // The same name twice at once: one is made, the other is told it exists.
    const twice = await Promise.allSettled([
      new ProjectRegistry(stores[0]!.db).create('twice'),
      new ProjectRegistry(stores[1]!.db).create('twice'),
    ]);
    expect(twice.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const [refused] = twice.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(refused).toBeInstanceOf(ProjectExistsError);
    expect((refused as Error).message).toBe('a project named "twice" exists');
  });
});
