import { parseArgs } from 'node:util';
import { openSqlStore } from '@triage/engine';
import { dsnOf, ProjectRegistry } from '../server/projects.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const PROJECTS_USAGE = `Usage: triage projects create NAME [--url http://host:7070] [--database-url URL]
       triage projects rotate-key NAME [--url http://host:7070] [--database-url URL]
       triage projects list [--database-url URL]

create: makes a project and prints its DSN (http://KEY@host:7070/ID).
rotate-key: gives a project a new key and prints its new DSN; running servers refuse the old key
            within TRIAGE_KEY_CACHE_SECONDS (30 s by default). For a leaked DSN.
list: one project a line: id, name, DSN.`;

/** `triage projects`: works on the server's database directly. */
export async function projectsCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  const [action, name] = positionals;
  if (values.help || !action) {
    io.stdout(`${PROJECTS_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const store = await openSqlStore({
    url: values['database-url'] ?? io.env.TRIAGE_DATABASE_URL ?? './data/triage.db',
  });
  try {
    const projects = new ProjectRegistry(store.db);
    const base = values.url ?? `http://127.0.0.1:${io.env.TRIAGE_PORT ?? 7070}`;
    if (action === 'create') {
      if (!name) throw new InputError('projects create needs a NAME');
      let project: Awaited<ReturnType<ProjectRegistry['create']>>;
      try {
        project = await projects.create(name);
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
    if (action === 'rotate-key') {
      if (!name) throw new InputError('projects rotate-key needs a NAME');
      const project = await projects.rotateKey(name);
      if (!project) throw new InputError(`no project is named "${name}"`);
      io.stdout(`${dsnOf(project, base)}\n`);
      return 0;
    }
    if (action === 'list') {
      for (const project of await projects.list())
        io.stdout(`${project.id}\t${project.name}\t${dsnOf(project, base)}\n`);
      return 0;
    }
    throw new InputError(`unknown projects action "${action}": create, rotate-key or list`);
  } finally {
    await store.close();
  }
}
