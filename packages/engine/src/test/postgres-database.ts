import pg from 'pg';

/** The PostgreSQL server tests run against: TRIAGE_TEST_POSTGRES_URL, else the local one (trust auth). */
const TEST_POSTGRES_URL = process.env.TRIAGE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  /** Known at once, so it can be handed out before the database exists. */
  url: string;
  create(): Promise<void>;
  /** Creates it with the rest of a `create database` statement (`encoding 'SQL_ASCII' …`). */
  createWith(options: string): Promise<void>;
  /** Creates it as a copy of `template`, which nobody may be connected to meanwhile. */
  createFrom(template: TestDatabase): Promise<void>;
  /** Drops the database, closing whatever connections a test left open. */
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file, on the real PostgreSQL server (never a mock): files run
 * in parallel, and each one's tables start empty.
 */
export function testDatabase(prefix: string): TestDatabase {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  return {
    url: `${TEST_POSTGRES_URL}/${name}`,
    // No parameter: a test runner hands its hooks a context (`beforeAll(database.create)`).
    create: () => admin(`create database ${name}`),
    createWith: (options) => admin(`create database ${name} ${options}`),
    createFrom: (template) =>
      admin(`create database ${name} template ${new URL(template.url).pathname.slice(1)}`),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${TEST_POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
