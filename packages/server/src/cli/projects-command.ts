import { parseArgs } from 'node:util';
import { openSqlStore } from '@triage/engine';
import {
  dsnOf,
  MIB,
  type Project,
  ProjectRegistry,
  RATE_LIMIT_BOUNDS,
  type RateLimitChange,
} from '../server/projects.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const PROJECTS_USAGE = `Usage: triage projects create NAME [LIMITS] [--url http://host:7070] [--database-url URL]
       triage projects limit NAME LIMITS [--database-url URL]
       triage projects rotate-key NAME [--url http://host:7070] [--database-url URL]
       triage projects list [--database-url URL]

create: makes a project and prints its DSN (http://KEY@host:7070/ID).
limit: sets a project's own ingest limits and prints them; running servers apply them within
       TRIAGE_KEY_CACHE_SECONDS (30 s by default).
rotate-key: gives a project a new key and prints its new DSN; running servers refuse the old key
            within TRIAGE_KEY_CACHE_SECONDS. For a leaked DSN.
list: one project a line: id, name, DSN, events a minute, MB a minute ("default": the server's).

LIMITS: --rate-limit N        events a minute its key may send (instead of TRIAGE_RATE_LIMIT_PER_MINUTE)
        --rate-limit-mb N     decompressed MB a minute (instead of TRIAGE_RATE_LIMIT_MB_PER_MINUTE, at least 2)
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
  if (values.help || !action) {
    io.stdout(`${PROJECTS_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  // Read before the database is opened: a typo costs nothing.
  const limits: RateLimitChange = {
    eventsPerMinute: limitOf(values['rate-limit'], '--rate-limit', RATE_LIMIT_BOUNDS.eventsPerMinute, 1),
    bytesPerMinute: limitOf(
      values['rate-limit-mb'],
      '--rate-limit-mb',
      RATE_LIMIT_BOUNDS.megabytesPerMinute,
      MIB,
    ),
  };
  const limiting = limits.eventsPerMinute !== undefined || limits.bytesPerMinute !== undefined;
  if (limiting && action !== 'create' && action !== 'limit')
    throw new InputError(`projects ${action} takes no --rate-limit or --rate-limit-mb`);
  const store = await openSqlStore({
    url: values['database-url'] ?? io.env.TRIAGE_DATABASE_URL ?? './data/triage.db',
  });
  try {
    const projects = new ProjectRegistry(store.db);
    const base = values.url ?? `http://127.0.0.1:${io.env.TRIAGE_PORT ?? 7070}`;
    if (action === 'create') {
      if (!name) throw new InputError('projects create needs a NAME');
      let project: Project;
      try {
        project = await projects.create(name);
        if (limiting) project = (await projects.setRateLimits({ name }, limits)) ?? project;
      } catch (error) {
        throw new InputError(
          /unique|UNIQUE/.test((error as Error).message)
            ? `a project named "${name}" exists`
            : (error as Error).message,
        );
      }
      io.stdout(`${dsnOf(project, base)}\n`);
      return 0;
    }
    if (action === 'limit') {
      if (!name) throw new InputError('projects limit needs a NAME');
      if (!limiting)
        throw new InputError('projects limit needs --rate-limit or --rate-limit-mb (a number or "default")');
      const project = await projects.setRateLimits({ name }, limits);
      if (!project) throw new InputError(`no project is named "${name}"`);
      io.stdout(`${project.name}\t${limitsText(project)}\n`);
      return 0;
    }
    if (action === 'rotate-key') {
      if (!name) throw new InputError('projects rotate-key needs a NAME');
      const project = await projects.rotateKey(name);
      if (!project) throw new InputError(`no project is named "${name}"`);
      io.stdout(`${dsnOf(project, base)}\n`);
      return 0;
    }
    if (action === 'list') {
      for (const project of await projects.list())
        io.stdout(`${project.id}\t${project.name}\t${dsnOf(project, base)}\t${limitsText(project)}\n`);
      return 0;
    }
    throw new InputError(`unknown projects action "${action}": create, limit, rotate-key or list`);
  } finally {
    await store.close();
  }
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
): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'default') return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw new InputError(`${option} must be a number from ${min} to ${max}, or "default"; got "${text}"`);
  return Math.round(value * unit);
}

/** "events/min MB/min" of a project, "default" for the server's. */
function limitsText({ rateLimits }: Project): string {
  const events = rateLimits.eventsPerMinute ?? 'default';
  const megabytes =
    rateLimits.bytesPerMinute === undefined ? 'default' : String(rateLimits.bytesPerMinute / MIB);
  return `${events}\t${megabytes}`;
}
