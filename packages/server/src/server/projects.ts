import { randomBytes } from 'node:crypto';
import { type Database, isUniqueViolation } from '@triage/engine';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';

export interface Project {
  id: string;
  name: string;
  publicKey: string;
  createdAt: number;
  /** The project's own ingest limits; each one not set is the server's. */
  rateLimits: ProjectRateLimits;
}

/** The settings row with the URL the last server started listened on. */
const SERVER_URL_KEY = 'server_url';

/** Events and decompressed bytes a minute a project's key may send, where they differ from the server's. */
export interface ProjectRateLimits {
  eventsPerMinute?: number;
  bytesPerMinute?: number;
}

const toProject = (row: Database['projects']): Project => ({
  id: row.id,
  name: row.name,
  publicKey: row.public_key,
  createdAt: Number(row.created_at),
  rateLimits: {
    // bigint: PostgreSQL's driver gives it as a string.
    ...(row.rate_limit_per_minute == null ? {} : { eventsPerMinute: Number(row.rate_limit_per_minute) }),
    ...(row.rate_limit_bytes_per_minute == null
      ? {}
      : { bytesPerMinute: Number(row.rate_limit_bytes_per_minute) }),
  },
});

/**
 * The bounds of a project's limits, wherever they are given (CLI, API): as the server's own settings at
 * the bottom (2 MB: a request of one 1 MiB event must fit in a burst); at the top, past what is a limit,
 * where the bytes are still a safe integer.
 */
export const RATE_LIMIT_BOUNDS = {
  eventsPerMinute: { min: 1, max: 1e12 },
  megabytesPerMinute: { min: 2, max: 1e9 },
} as const;
export const MIB = 1024 * 1024;

/** What `setRateLimits` changes: a number sets a limit, null gives the server's back, undefined leaves it. */
export interface RateLimitChange {
  eventsPerMinute?: number | null;
  bytesPerMinute?: number | null;
}

/**
 * How long a server trusts what it read of a key, found or not: a key rotated or pinned anew by another
 * process (`triage projects rotate-key`, another instance's TRIAGE_DEFAULT_PROJECT_KEY) stops working
 * here within it, and a client sending keys no project has costs one lookup per key per period.
 */
export const KEY_CACHE_MS = 30_000;
/**
 * Keys remembered at once, the least recently used let go first, and the characters of their keys in
 * all: a client sending random keys of 16 KB (what fits in a header) cannot grow it past a few MB.
 */
const KEYS_CACHED = 10_000;
const KEY_CHARS_CACHED = 1_000_000;

/**
 * The ids `create` tries when other processes take each one first: each turn, one of the processes
 * creating a project at once gets its id, so as many as this create together before one gives up.
 */
const CREATE_ATTEMPTS = 10;

/** What `create` throws when a project of that name exists. */
export class ProjectExistsError extends Error {
  override readonly name = 'ProjectExistsError';

  constructor(projectName: string, options?: ErrorOptions) {
    super(`a project named "${projectName}" exists`, options);
  }
}

/** A project's public key: 32 hex characters, as Sentry's DSN keys. */
const newKey = () => randomBytes(16).toString('hex');

/** Projects and their ingest keys; ids are numeric strings, as Sentry DSNs require. */
export class ProjectRegistry {
  // `false`: no project has the key. None with a cache time of 0: every request reads its key.
  readonly #byKey: LRUCache<string, Project | false> | undefined;

  constructor(
    readonly db: Kysely<Database>,
    { keyCacheMs = KEY_CACHE_MS }: { keyCacheMs?: number } = {},
  ) {
    this.#byKey =
      keyCacheMs > 0
        ? new LRUCache({
            max: KEYS_CACHED,
            maxSize: KEY_CHARS_CACHED,
            sizeCalculation: (_project, key) => key.length + 1,
            ttl: keyCacheMs,
          })
        : undefined;
  }

  /** Keeps the URL a server listens on, for `triage projects` to print DSNs with (the last server started). */
  async rememberServerUrl(url: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key: SERVER_URL_KEY, value: url })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: url }))
      .execute();
  }

  /** The URL the last server started on this database listened on; undefined before any did. */
  async serverUrl(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', SERVER_URL_KEY)
      .executeTakeFirst();
    return row?.value;
  }

  /**
   * The default project, created on first start; `pinnedKey` (TRIAGE_DEFAULT_PROJECT_KEY) fixes its key.
   * `onKeyReplaced` is called when the pinned key took the place of another stored one.
   */
  async ensureDefault(
    pinnedKey?: string,
    { onKeyReplaced }: { onKeyReplaced?: () => void } = {},
  ): Promise<Project> {
    const existing = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('name', '=', 'default')
      .executeTakeFirst();
    if (existing) {
      if (pinnedKey && existing.public_key !== pinnedKey) {
        // Only where the key still differs: of instances starting together, one replaced it, and says so.
        const replaced = await this.db
          .updateTable('projects')
          .set({ public_key: pinnedKey })
          .where('id', '=', existing.id)
          .where('public_key', '<>', pinnedKey)
          .executeTakeFirst();
        this.#byKey?.clear();
        if (replaced.numUpdatedRows > 0n) onKeyReplaced?.();
        return { ...toProject(existing), publicKey: pinnedKey };
      }
      return toProject(existing);
    }
    return this.create('default', pinnedKey).catch(async (error: unknown) => {
      // Another instance created it first.
      const row = await this.db
        .selectFrom('projects')
        .selectAll()
        .where('name', '=', 'default')
        .executeTakeFirst();
      if (!row) throw error;
      return toProject(row);
    });
  }

  /** Makes a project; a ProjectExistsError when another one has that name. */
  async create(name: string, key = newKey()): Promise<Project> {
    if (!/^[\w.-]{1,64}$/.test(name))
      throw new RangeError('a project name is 1–64 letters, digits, ".", "_" or "-"');
    // Ids are the highest one plus one, read without a lock: another process creating a project at the
    // same time may take the id first. That id is skipped and the next one tried (a conflict on the id
    // had been reported as a project of that name existing).
    for (let attempt = 1; ; attempt++) {
      const rows = await this.db.selectFrom('projects').select('id').execute();
      const id = String(rows.reduce((max, row) => Math.max(max, Number(row.id)), 0) + 1);
      const project: Project = { id, name, publicKey: key, createdAt: Date.now(), rateLimits: {} };
      const inserted = await this.db
        .insertInto('projects')
        .values({ id, name, public_key: key, created_at: project.createdAt })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .executeTakeFirst()
        .catch(async (error: unknown) => {
          if (isUniqueViolation(error) && (await this.#named(name)))
            throw new ProjectExistsError(name, { cause: error });
          throw error;
        });
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return project;
      if (attempt === CREATE_ATTEMPTS)
        throw new Error(
          `no free project id after ${CREATE_ATTEMPTS} tries: other projects are being created at the same time, try again`,
        );
    }
  }

  async #named(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Sets the ingest limits of the project with that name or id; undefined when there is none. Servers apply
   * them within their key cache time (KEY_CACHE_MS), as they do a rotated key.
   */
  async setRateLimits(
    project: { name: string } | { id: string },
    change: RateLimitChange,
  ): Promise<Project | undefined> {
    for (const limit of [change.eventsPerMinute, change.bytesPerMinute])
      if (limit != null && !(Number.isSafeInteger(limit) && limit >= 1))
        throw new RangeError(`a rate limit is a whole number of at least 1, got ${limit}`);
    const set: { rate_limit_per_minute?: number | null; rate_limit_bytes_per_minute?: number | null } = {};
    if (change.eventsPerMinute !== undefined) set.rate_limit_per_minute = change.eventsPerMinute;
    if (change.bytesPerMinute !== undefined) set.rate_limit_bytes_per_minute = change.bytesPerMinute;
    if (Object.keys(set).length === 0) throw new RangeError('no rate limit to change');
    const [column, value] =
      'name' in project ? (['name', project.name] as const) : (['id', project.id] as const);
    const row = await this.db
      .updateTable('projects')
      .set(set)
      .where(column, '=', value)
      .returningAll()
      .executeTakeFirst();
    this.#byKey?.clear();
    return row ? toProject(row) : undefined;
  }

  async byKey(key: string): Promise<Project | undefined> {
    // No project has one (keys come from the environment or are made here), and PostgreSQL fails on it.
    if (key.includes('\0')) return undefined;
    const cached = this.#byKey?.get(key);
    if (cached !== undefined) return cached || undefined;
    const row = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('public_key', '=', key)
      .executeTakeFirst();
    const project = row ? toProject(row) : undefined;
    this.#byKey?.set(key, project ?? false);
    return project;
  }

  /** Gives the project named `name` a new key; the old one stops working (see KEY_CACHE_MS). */
  async rotateKey(name: string, key = newKey()): Promise<Project | undefined> {
    const row = await this.db
      .updateTable('projects')
      .set({ public_key: key })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    this.#byKey?.clear();
    return row ? toProject(row) : undefined;
  }

  async list(): Promise<Project[]> {
    return (await this.db.selectFrom('projects').selectAll().orderBy('id').execute()).map(toProject);
  }
}

/** `http://KEY@host:port/ID`: what Sentry SDKs and the Triage SDK are configured with. */
export function dsnOf(project: Project, baseUrl: string): string {
  const url = new URL(baseUrl);
  // A base with a path (a proxy serving Triage under /triage) keeps it: SDKs post under it.
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${project.publicKey}@${url.host}${path}/${project.id}`;
}
