import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isHttpUrl, isPostgresUrl, openSqlStore, sqlitePathOf, usedByTriage } from '@triage/engine';
import {
  dsnOf,
  MIB,
  type Project,
  ProjectRegistry,
  RATE_LIMIT_BOUNDS,
  type RateLimitChange,
} from '../server/projects.js';
import { databaseOf } from '../server/server-settings.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const PROJECTS_USAGE = `Usage: triage projects create NAME [LIMITS] [--url http://host:7070] [--database-url URL]
       triage projects limit NAME LIMITS [--database-url URL]
       triage projects rotate-key NAME [--url http://host:7070] [--database-url URL]
       triage projects list [--url http://host:7070] [--database-url URL]

create: makes a project and prints its DSN (http://KEY@host:7070/ID): with --url's address, else the
        one the last \`triage serve\` on this database listened on.
limit: sets a project's own ingest limits and prints them; running servers apply them within
       TRIAGE_KEY_CACHE_SECONDS (30 s by default).
rotate-key: gives a project a new key and prints its new DSN; running servers refuse the old key
            within TRIAGE_KEY_CACHE_SECONDS. For a leaked DSN. The default project's key, when
            TRIAGE_DEFAULT_PROJECT_KEY pins it, is rotated by changing that variable instead.
list: one project a line: id, name, DSN, events a minute, MiB a minute ("default": the server's).

LIMITS: --rate-limit N        events a minute its key may send (instead of TRIAGE_RATE_LIMIT_PER_MINUTE)
        --rate-limit-mb N     decompressed MiB a minute (instead of TRIAGE_RATE_LIMIT_MB_PER_MINUTE, at least 2)
        either one "default": the server's again.`;

/** `triage projects`: works on the server's database directly. */
export async function projectsCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      'database-url': { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-limit-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  const [action, name] = positionals;
  if (values.help) {
    io.stdout(`${PROJECTS_USAGE}\n`);
    return 0;
  }
  if (!action) {
    io.stderr(`${PROJECTS_USAGE}\n`);
    return 2;
  }
  // Read before the database is opened: a typo costs nothing.
  const limits: RateLimitChange = {
    eventsPerMinute: limitOf(
      values['rate-limit'],
      '--rate-limit',
      RATE_LIMIT_BOUNDS.eventsPerMinute,
      1,
      true,
    ),
    bytesPerMinute: limitOf(
      values['rate-limit-mb'],
      '--rate-limit-mb',
      RATE_LIMIT_BOUNDS.megabytesPerMinute,
      MIB,
    ),
  };
  const limiting = limits.eventsPerMinute !== undefined || limits.bytesPerMinute !== undefined;
  if (!ACTIONS.includes(action))
    throw new InputError(`unknown projects action "${action}": ${ACTIONS.join(', ')}`);
  if (action !== 'list' && !name) throw new InputError(`projects ${action} needs a NAME`);
  // `projects create my project` made "my" and dropped the rest.
  if (action === 'list' && positionals.length > 1) throw new InputError('projects list takes no NAME');
  if (positionals.length > 2)
    throw new InputError(
      `projects ${action} takes one NAME, got ${positionals.length - 1} (a name has no spaces)`,
    );
  const named = name ?? '';
  if (limiting && action !== 'create' && action !== 'limit')
    throw new InputError(`projects ${action} takes no --rate-limit or --rate-limit-mb`);
  if (values.url !== undefined) checkUrl(values.url, '--url');
  // The server writes the pinned key back at its next start: the new DSN printed here would stop
  // working then, and the leaked one work again.
  if (action === 'rotate-key' && named === 'default' && io.env.TRIAGE_DEFAULT_PROJECT_KEY?.trim())
    throw new InputError(
      "the default project's key is pinned by TRIAGE_DEFAULT_PROJECT_KEY, which the server writes back at each start: to rotate it, change TRIAGE_DEFAULT_PROJECT_KEY where the server runs and restart it",
    );
  const database = databaseOf(io.env, values['database-url']);
  // Run in another directory, it made an empty database there and printed a DSN no server knew.
  if (!isPostgresUrl(database) && !existsSync(sqlitePathOf(database)))
    throw new InputError(
      `no Triage database at ${database}: run this where \`triage serve\` keeps its database, or name it with --database-url (or TRIAGE_DATABASE_URL)`,
    );
  // A database no server has used (an empty file, a new PostgreSQL database): opening the store would make
  // the tables there, and this project would take id 1, the default project's, which the server makes.
  if (!(await usedByTriage(database)))
    throw new InputError('no Triage server has used this database yet: start `triage serve` on it first');
  const store = await openSqlStore({ url: database });
  try {
    const projects = new ProjectRegistry(store.db);
    // The server's own address (it keeps it when it starts): TRIAGE_PORT of this shell named 7070 for
    // a server started on another port.
    const base =
      values.url ??
      (await projects.serverUrl()) ??
      checkUrl(`http://127.0.0.1:${io.env.TRIAGE_PORT?.trim() || 7070}`, 'TRIAGE_PORT');
    if (action === 'create') {
      let project: Project;
      try {
        project = await projects.create(named);
        if (limiting) project = (await projects.setRateLimits({ name: named }, limits)) ?? project;
      } catch (error) {
        // A name taken says so itself (ProjectExistsError): any unique violation read as one named a
        // project that did not exist when a concurrent create took the id.
        throw new InputError((error as Error).message);
      }
      io.stdout(`${dsnOf(project, base)}\n`);
      return 0;
    }
    if (action === 'limit') {
      if (!limiting)
        throw new InputError('projects limit needs --rate-limit or --rate-limit-mb (a number or "default")');
      const project = await projects.setRateLimits({ name: named }, limits);
      if (!project) throw new InputError(`no project is named "${named}"`);
      io.stdout(`${project.name}\t${limitsText(project)}\n`);
      return 0;
    }
    if (action === 'rotate-key') {
      const project = await projects.rotateKey(named);
      if (!project) throw new InputError(`no project is named "${named}"`);
      io.stdout(`${dsnOf(project, base)}\n`);
      return 0;
    }
    for (const project of await projects.list())
      io.stdout(`${project.id}\t${project.name}\t${dsnOf(project, base)}\t${limitsText(project)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

const ACTIONS = ['create', 'limit', 'rotate-key', 'list'];

/** `url` when it is an http(s) URL; else an InputError naming where it came from. */
function checkUrl(url: string, from: string): string {
  if (!isHttpUrl(url)) throw new InputError(`${from} must give a URL such as http://host:7070, got "${url}"`);
  return url;
}

/**
 * A limit option: undefined when not given, null for "default" (the server's), else the number given
 * (within RATE_LIMIT_BOUNDS) times `unit`.
 */
function limitOf(
  text: string | undefined,
  option: string,
  { min, max }: { min: number; max: number },
  unit: number,
  whole = false,
): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'default') return null;
  const value = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (whole && !Number.isInteger(value))
  )
    throw new InputError(
      `${option} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, or "default"; got "${text}"`,
    );
  return Math.round(value * unit);
}

/** "events/min MB/min" of a project, "default" for the server's. */
function limitsText({ rateLimits }: Project): string {
  const events = rateLimits.eventsPerMinute ?? 'default';
  const megabytes =
    rateLimits.bytesPerMinute === undefined ? 'default' : String(rateLimits.bytesPerMinute / MIB);
  return `${events}\t${megabytes}`;
}
