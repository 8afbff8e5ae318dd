import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriageEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { type Ended, runModule } from './__fixtures__/run-module.js';
import { CrashKeeper, defaultCrashDirectory, type KeptCrash } from './crash-keeping.js';

/**
 * Runs `body` in a process of its own, in process (no DSN), after a client that keeps its crashes in
 * `directory` and prints each analysis as a JSON line; alerts go nowhere.
 */
function runApp(directory: string, body: string, options = ''): Promise<Ended> {
  const script = `import { createTriage } from '@triage/node';
const triage = createTriage({
  summary: 'none',
  service: 'importer',
  crashDirectory: ${JSON.stringify(directory)},
  onAnalysis: ({ event, result }) => console.log(JSON.stringify({ id: event.id, function: event.source?.function, title: result.analysis.title, user: event.user, log: event.log.map((entry) => entry.message) })),
  engine: { notifiers: [] },
  ${options}
});
${body}`;
  return runModule(script);
}

const analyses = (ended: Ended) =>
  ended.stdout
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          id: string;
          function?: string;
          title: string;
          user?: Record<string, unknown>;
          log: string[];
        },
    );

const crashFiles = (directory: string) => readdirSync(directory).filter((name) => name.startsWith('crash-'));

/** The one crash kept in `directory`. */
function theKept(directory: string): { pid: number; events: TriageEvent[] } {
  const files = crashFiles(directory);
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(directory, files[0]!), 'utf8'));
}

const event = (message: string): TriageEvent => ({
  id: globalThis.crypto.randomUUID(),
  timestamp: Date.now(),
  level: 'error',
  log: [{ level: 'error', message }],
  source: { function: 'Kept' },
});

describe('a crash in process', () => {
  it('should keep what the engine had not analysed, redacted, and have the next start analyse it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const crashed = await runApp(
      directory,
      `const earlier = triage.scope({ func: 'SyncPrices' });
earlier.error('ERROR: price feed answered 503, paged ops@example.com');
earlier.end();
const scope = triage.scope({ file: 'jobs.ts', func: 'ImportJob', user: { id: 'user-42', email: 'ana@example.com' } });
scope.info('importing batch %d with key sk_live_abcdefghijklmnopqrstuvwx', 7);
throw new Error('batch 7 has no header row');`,
    );
    // Node's own ending, and a line saying where the events went.
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain('Error: batch 7 has no header row');
    const files = crashFiles(directory);
    expect(files).toHaveLength(1);
    const file = join(directory, files[0]!);
    expect(crashed.stderr).toContain(
      `[triage] the process is ending on an uncaught exception: 2 event(s) not yet analysed are kept in ${file}, for the next start of this application to analyse`,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    // What the engine would have stored: emails and keys redacted (a user's id stays, as it does there).
    for (const secret of ['ops@example.com', 'ana@example.com', 'sk_live_abcdefghijklmnopqrstuvwx'])
      expect(text).not.toContain(secret);
    const kept = JSON.parse(text) as { pid: number; events: TriageEvent[] };
    expect(kept.events.map((item) => item.source?.function)).toEqual(['SyncPrices', 'ImportJob']);
    expect(kept.events[1]?.user?.pseudonym).toMatch(/^[0-9a-f]{32}$/);

    const next = await runApp(directory, 'await triage.flush(10_000);');
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(
      `[triage] analysing 2 event(s) kept from a crash of process ${kept.pid} at ${new Date(Number(files[0]!.split('-')[1])).toISOString()}`,
    );
    const reports = analyses(next);
    expect(reports.map((report) => report.function)).toEqual(['SyncPrices', 'ImportJob']);
    expect(reports.map((report) => report.id)).toEqual(kept.events.map((item) => item.id));
    expect(reports[1]?.log.at(-1)).toBe('Unhandled promise rejection Error: batch 7 has no header row');
    expect(reports[1]?.title).toContain('ImportJob');
    // Analysed once: the file is gone, and a third start finds nothing.
    expect(crashFiles(directory)).toEqual([]);
    const third = await runApp(directory, 'await triage.flush(10_000);');
    expect(analyses(third)).toEqual([]);
    expect(third.stderr).toBe('');
  });

  it('should keep an event the engine was analysing, under the id it had, when the crash came', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const crashed = await runApp(
      directory,
      `await triage.ready();
const slow = triage.scope({ func: 'SlowAnalysis' });
slow.error('ERROR: upstream timed out');
slow.end();
setTimeout(() => { throw new Error('later'); }, 200);`,
      // An analysis that never ends, as an LLM that never answers.
      "engine: { notifiers: [], analyzer: { name: 'stuck', analyze: (event) => { console.log(event.id); return new Promise(() => {}); } } },",
    );
    expect(crashed.code).toBe(1);
    const kept = theKept(directory);
    expect(kept.events.map((item) => item.source?.function)).toEqual(['SlowAnalysis', undefined]);
    // The id the engine was analysing it under: the next start finds the same event, not a copy.
    expect(kept.events[0]?.id).toBe(crashed.stdout.trim());
    expect(kept.events[1]?.log.at(-1)?.message).toContain('Uncaught exception Error: later');
  });

  it("should give a kept event's user the pseudonym the engine gives it", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const crashed = await runApp(
      directory,
      `const first = triage.scope({ func: 'Checkout', user: { id: 'user-7' } });
first.error('ERROR: card declined');
first.end();
await triage.flush(10_000);
triage.scope({ func: 'Checkout', user: { id: 'user-7' } });
setTimeout(() => { throw new Error('after the first'); }, 10);`,
    );
    expect(crashed.code).toBe(1);
    const [analysed] = analyses(crashed);
    const kept = theKept(directory);
    expect(analysed?.user?.pseudonym).toMatch(/^[0-9a-f]{32}$/);
    expect(kept.events[0]?.user?.pseudonym).toBe(analysed?.user?.pseudonym);
  });

  it('should not keep what the engine had finished', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const crashed = await runApp(
      directory,
      `const done = triage.scope({ func: 'AnalysedBefore' });
done.error('ERROR: disk full');
done.end();
await triage.flush(10_000);
setTimeout(() => { throw new Error('after the analysis'); }, 10);`,
    );
    expect(crashed.code).toBe(1);
    expect(analyses(crashed).map((report) => report.function)).toEqual(['AnalysedBefore']);
    const kept = theKept(directory);
    expect(kept.events.map((item) => item.error?.message)).toEqual(['after the analysis']);
  });

  it('should leave the crashes of a client replaced at start-up to the client that replaced it', async () => {
    const temporary = mkdtempSync(join(tmpdir(), 'triage-tmp-'));
    const cwd = process.cwd();
    // The default directory of a `node -e` script in this working directory, with no service.
    const application = createHash('sha256').update(`${cwd}\0\0`).digest('hex').slice(0, 16);
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    const directory = join(temporary, `triage-crashes-${uid}`, application);
    new CrashKeeper(directory, { shared: true }).keep([event('ERROR: kept by the last run')]);
    const script = `import { triage } from '@triage/node';
// A line logged before init makes the default client, which starts reading the kept crashes.
triage.current();
triage.init({ summary: 'none', captureCrashes: false, engine: { notifiers: [] }, onAnalysis: ({ event }) => console.log('init: ' + event.log[0].message) });
console.log(await triage.flush(10_000));`;
    const ended = await runModule(script, { cwd, env: { TMPDIR: temporary } });
    expect(ended.stdout.trim().split('\n')).toEqual(['init: ERROR: kept by the last run', 'true']);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('should have one of two processes starting together analyse each crash', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    new CrashKeeper(directory).keep([event('ERROR: first crash')]);
    new CrashKeeper(directory).keep([event('ERROR: second crash')]);
    const both = await Promise.all([
      runApp(directory, 'await triage.flush(10_000);'),
      runApp(directory, 'await triage.flush(10_000);'),
    ]);
    const messages = both.flatMap(analyses).map((report) => report.log[0]);
    expect(messages.sort()).toEqual(['ERROR: first crash', 'ERROR: second crash']);
    expect(crashFiles(directory)).toEqual([]);
  });

  it('should say nothing and keep nothing with crashDirectory: false', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const crashed = await runApp(directory, `throw new Error('not kept');`, 'crashDirectory: false,');
    expect(crashed.code).toBe(1);
    expect(crashFiles(directory)).toEqual([]);
    expect(crashed.stderr).toContain('crashDirectory is false');
  });
});

describe('CrashKeeper', () => {
  it("should take back a claim whose process is gone, and leave a live process's", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const keeper = new CrashKeeper(directory);
    const gone = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid!));
    });
    const deadClaim = keeper.keep([event('ERROR: claimed by a process that died')])!;
    const liveClaim = keeper.keep([event('ERROR: claimed by a process still at it')])!;
    renameSync(deadClaim, `${deadClaim}.claimed-${gone}`);
    // The parent of this test's worker lives as long as the test.
    renameSync(liveClaim, `${liveClaim}.claimed-${process.ppid}`);
    const claimed = await keeper.claim(() => {});
    expect(claimed.map((crash) => (crash.events[0] as TriageEvent).log[0]?.message)).toEqual([
      'ERROR: claimed by a process that died',
    ]);
    await keeper.release(claimed[0]!);
    expect(readdirSync(directory)).toEqual([`${liveClaim.split('/').at(-1)}.claimed-${process.ppid}`]);
  });

  it('should replay each crash through take: deleted when taken, given back whole when declined', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const keeper = new CrashKeeper(directory);
    const taken = keeper.keep([event('ERROR: taken')])!;
    const declined = keeper.keep([event('ERROR: declined'), event('ERROR: declined too')])!;
    writeFileSync(join(directory, 'crash-1-1-00.json'), 'not a crash');
    const errors: string[] = [];
    const count = await keeper.replay(
      (crash) => (crash.events[0] as TriageEvent).log[0]?.message === 'ERROR: taken',
      { wanted: () => true, onError: (error) => errors.push((error as Error).message) },
    );
    expect(count).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/crash-1-1-00\.json\.invalid: .*not valid JSON/)]);
    expect(existsSync(taken)).toBe(false);
    expect(existsSync(declined)).toBe(true);
    // Nothing claimed once no longer wanted: the declined crash stays for a later start.
    expect(await keeper.replay(() => true, { wanted: () => false, onError: () => {} })).toBe(0);
    expect(existsSync(declined)).toBe(true);
  });

  it("should leave a crash taken for 'later' claimed, until its taker releases it", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const keeper = new CrashKeeper(directory);
    keeper.keep([event('ERROR: sent later')]);
    let taken: KeptCrash | undefined;
    const count = await keeper.replay(
      (crash) => {
        taken = crash;
        return 'later';
      },
      { wanted: () => true, onError: () => {} },
    );
    expect(count).toBe(1);
    expect(readdirSync(directory)).toEqual([`${taken!.file.split('/').at(-1)}`]);
    expect(taken!.file).toMatch(/\.claimed-\d+$/);
    // Claimed by this process, which lives: not taken again.
    expect(await keeper.claim(() => {})).toEqual([]);
    keeper.releaseSync(taken!);
    keeper.releaseSync(taken!);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('should let one keeper of a process claim a crash, not a second one of the same process', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    new CrashKeeper(directory).keep([event('ERROR: one crash')]);
    const first = await new CrashKeeper(directory).claim(() => {});
    expect(first).toHaveLength(1);
    expect(await new CrashKeeper(directory).claim(() => {})).toEqual([]);
    await new CrashKeeper(directory).release(first[0]!);
    // Released twice (the file gone already): nothing to do, no error.
    await new CrashKeeper(directory).release(first[0]!);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("should take back a claim under this process's pid that this process did not make", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const file = new CrashKeeper(directory).keep([event('ERROR: an earlier run of the same pid')])!;
    // A container's process gets the same pid at every start: the claim is a previous run's.
    renameSync(file, `${file}.claimed-${process.pid}`);
    expect(await new CrashKeeper(directory).claim(() => {})).toHaveLength(1);
  });

  it('should give back, whole, a crash that does not fit in the transport now', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const file = new CrashKeeper(directory).keep([event('ERROR: 1'), event('ERROR: 2')])!;
    const { HttpTransport } = await import('./transports/http-transport.js');
    const transport = new HttpTransport({
      dsn: 'http://key@127.0.0.1:9/1',
      maxBuffered: 2,
      flushIntervalMs: 60_000,
      keeper: new CrashKeeper(directory),
      onFailure: () => {},
    });
    transport.send({ event: () => event('ERROR: of this run') });
    expect(await transport.replayKept()).toBe(0);
    expect(transport.stats()).toMatchObject({ buffered: 1 });
    expect(readdirSync(directory)).toEqual([file.split('/').at(-1)]);
    await transport.close(10);
  });

  it('should set aside a file that is not a crash it kept, say so, and read the others', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const keeper = new CrashKeeper(directory);
    writeFileSync(join(directory, 'crash-1-2-ab.json'), '{"pid": 2, "crashedAt": 1, "events": {');
    keeper.keep([event('ERROR: a good one')]);
    const invalid: string[] = [];
    const claimed = await keeper.claim((file, error) => invalid.push(`${file}: ${(error as Error).message}`));
    expect(claimed).toHaveLength(1);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toContain(join(directory, 'crash-1-2-ab.json.invalid'));
    expect(existsSync(join(directory, 'crash-1-2-ab.json.invalid'))).toBe(true);
  });

  it('should keep at most maxFiles crashes, the newest', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const keeper = new CrashKeeper(directory, { maxFiles: 2 });
    // A crash's file is named after its millisecond: each process writes one, as it ends.
    const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 2));
    const first = keeper.keep([event('ERROR: 1')])!;
    await nextMillisecond();
    keeper.keep([event('ERROR: 2')]);
    await nextMillisecond();
    keeper.keep([event('ERROR: 3')]);
    const names = crashFiles(directory);
    expect(names).toHaveLength(2);
    expect(names).not.toContain(first.split('/').at(-1));
  });

  it('should refuse a shared directory that other users can write in', () => {
    const parent = mkdtempSync(join(tmpdir(), 'triage-crashes-'));
    const directory = join(parent, 'app');
    mkdirSync(directory);
    chmodSync(directory, 0o777);
    expect(() => new CrashKeeper(directory, { shared: true }).keep([event('ERROR: planted?')])).toThrow(
      /is not a directory of this user that only it can write in/,
    );
    chmodSync(directory, 0o700);
    expect(new CrashKeeper(directory, { shared: true }).keep([event('ERROR: fine')])).toBeDefined();
  });

  it('should refuse a crashDirectory that is not a path, at setup', async () => {
    const { createTriage } = await import('./triage.js');
    for (const crashDirectory of ['', 42, true] as unknown as string[])
      expect(() => createTriage({ crashDirectory, summary: 'none' })).toThrow(
        /crashDirectory must be a directory's path or false/,
      );
  });

  it('should give each application its own default directory, in the temporary directory', () => {
    expect(defaultCrashDirectory('billing')).not.toBe(defaultCrashDirectory('checkout'));
    expect(defaultCrashDirectory('billing').startsWith(tmpdir())).toBe(true);
  });
});
