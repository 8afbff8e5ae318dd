import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStoreUnavailable } from '@triage/engine';
import { until } from '@triage/engine/test';
import { describe, expect, it } from 'vitest';
import { IngestSpool, SpoolHeldError, SpoolUnavailableError } from './ingest-spool.js';
import type { NewJob } from './job-row.js';

const databaseFile = () => join(mkdtempSync(join(tmpdir(), 'triage-spool-')), 'triage.db');
const jobs = (from: number, count: number): NewJob[] =>
  Array.from({ length: count }, (_, index) => ({
    kind: 'event',
    payload: JSON.stringify({ n: from + index, text: 'tab\there, newline\nthere, é' }),
  }));
const numbers = (list: NewJob[]) => list.map((job) => (JSON.parse(job.payload) as { n: number }).n);

/** A spool opened and started, as a server's is before its first append. */
function started(file: string, options?: Parameters<typeof IngestSpool.open>[1]) {
  const spool = IngestSpool.open(file, options);
  spool.start(undefined);
  return spool;
}

/** A spool as a new process finds it: `spool` is gone (its process died), its files stay as they are. */
const reopen = (file: string, spool?: IngestSpool) => {
  forget(spool);
  return IngestSpool.open(file);
};
/** Drops `spool` as a dead process would, without touching its files: closes it over a copy of them. */
function forget(spool: IngestSpool | undefined) {
  if (!spool) return;
  const directory = spool.directory;
  const saved = readdirSync(directory).map((name) => [name, readFileSync(join(directory, name))] as const);
  spool.close();
  mkdirSync(directory, { recursive: true });
  for (const [name, bytes] of saved) writeFileSync(join(directory, name), bytes);
}

/** A process's state letter from /proc (`Z` for a zombie); undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

describe('IngestSpool', () => {
  it('should give a new process every job appended and never moved, in order, with its payload intact', () => {
    const file = databaseFile();
    const spool = IngestSpool.open(file);
    expect(spool.recover(undefined)).toEqual({ jobs: [], dropped: 0 });
    spool.start(undefined);
    spool.append(jobs(0, 3));
    spool.append(jobs(3, 2));
    expect(spool.unmoved).toBe(5);

    // The process dies here: nothing was moved.
    const recovered = reopen(file, spool).recover(undefined);
    expect(recovered.dropped).toBe(0);
    expect(numbers(recovered.jobs)).toEqual([0, 1, 2, 3, 4]);
    expect(recovered.jobs[0]!.payload).toBe(jobs(0, 1)[0]!.payload);
  });

  it('should give only the jobs after the mark the database holds', () => {
    const file = databaseFile();
    const spool = started(file);
    spool.append(jobs(0, 3));
    spool.append(jobs(3, 3));
    const first = spool.take(4, Number.POSITIVE_INFINITY)!;
    expect(numbers(first.jobs)).toEqual([0, 1, 2, 3]);
    spool.moved(first.end);
    expect(spool.unmoved).toBe(2);

    expect(numbers(reopen(file, spool).recover(first.end).jobs)).toEqual([4, 5]);
  });

  it('should move a large append in parts, by jobs and by payload size', () => {
    const spool = started(databaseFile());
    spool.append(jobs(0, 10));
    const byCount = spool.take(4, Number.POSITIVE_INFINITY)!;
    expect(numbers(byCount.jobs)).toEqual([0, 1, 2, 3]);
    spool.moved(byCount.end);
    const size = jobs(0, 1)[0]!.payload.length;
    const bySize = spool.take(100, size * 2.5)!;
    expect(numbers(bySize.jobs)).toEqual([4, 5]);
    spool.moved(bySize.end);
    // One job larger than the limit still moves, on its own.
    expect(numbers(spool.take(100, 1)!.jobs)).toEqual([6]);
    const rest = spool.take(100, Number.POSITIVE_INFINITY)!;
    expect(numbers(rest.jobs)).toEqual([6, 7, 8, 9]);
    spool.moved(rest.end);
    expect(spool.unmoved).toBe(0);
    expect(spool.take(100, Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('should drop the torn end of a write cut short by a crash, and damaged lines, keeping the rest', () => {
    const file = databaseFile();
    const spool = started(file);
    spool.append(jobs(0, 2));
    spool.append(jobs(2, 1));
    const [segment] = readdirSync(`${file}-spool`).filter((name) => name.endsWith('.jobs'));
    // What a crash, or the disk, can leave at the end: a line of garbage, one cut off, one not ended.
    appendFileSync(
      join(`${file}-spool`, segment!),
      'event\t{"n": 99, "not closed\n\0\0\0\nevent\t{"n": 100, "torn',
    );

    const recovered = reopen(file, spool).recover(undefined);
    expect(numbers(recovered.jobs)).toEqual([0, 1, 2]);
    expect(recovered.dropped).toBe(3);
  });

  it('should start a new segment past its size while appends go on, and delete each old one once it is moved', () => {
    const file = databaseFile();
    const directory = `${file}-spool`;
    const spool = started(file, { rotateBytes: 1_000 });
    const segments = () => readdirSync(directory).filter((name) => name.endsWith('.jobs'));
    // Under steady load there are always jobs not yet moved: the segment must not wait for none.
    spool.append(jobs(0, 20));
    spool.append(jobs(20, 20));
    spool.append(jobs(40, 20));
    expect(segments()).toHaveLength(3);
    const first = spool.take(30, Number.POSITIVE_INFINITY)!;
    spool.moved(first.end);
    expect(segments()).toHaveLength(2);
    spool.append(jobs(60, 1));

    // A crash now, and a start: the jobs after the mark, across the segments left, in order.
    const next = reopen(file, spool);
    const recovered = next.recover(first.end);
    expect(numbers(recovered.jobs)).toEqual(Array.from({ length: 31 }, (_, index) => 30 + index));
    next.start(recovered.end);
    expect(segments()).toHaveLength(1);
    expect(next.recover(recovered.end).jobs).toEqual([]);
  });

  it('should never start a segment the database has a mark in, though its file is gone', () => {
    const file = databaseFile();
    const spool = IngestSpool.open(file);
    spool.start({ segment: 7, offset: 120 });
    spool.append(jobs(0, 1));
    expect(readdirSync(`${file}-spool`)).toContain('000000000008.jobs');
    expect(numbers(reopen(file, spool).recover({ segment: 7, offset: 120 }).jobs)).toEqual([0]);
  });

  it('should remove its files on a close with everything moved, and keep them when something was not', () => {
    const file = databaseFile();
    const spool = started(file);
    spool.append(jobs(0, 2));
    spool.moved(spool.take(100, Number.POSITIVE_INFINITY)!.end);
    spool.close();
    expect(existsSync(`${file}-spool`)).toBe(false);

    const kept = started(file);
    kept.append(jobs(0, 2));
    kept.close();
    expect(numbers(IngestSpool.open(file).recover(undefined).jobs)).toEqual([0, 1]);
  });

  it('should refuse appends once too much waits unmoved, as storage that is busy (a 503)', () => {
    const spool = started(databaseFile(), { maxUnmovedChars: 100 });
    spool.append(jobs(0, 3));
    let refusal: unknown;
    try {
      spool.append(jobs(3, 1));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SpoolUnavailableError);
    expect(isStoreUnavailable(refusal)).toBe(true);
    expect(spool.unmoved).toBe(3);
    spool.moved(spool.take(100, Number.POSITIVE_INFINITY)!.end);
    spool.append(jobs(3, 1));
    expect(spool.unmoved).toBe(1);
  });

  it('should be held by one live process, and taken over from one that is gone', () => {
    const file = databaseFile();
    const lock = join(`${file}-spool`, 'lock');
    forget(IngestSpool.open(file));
    // The parent of this test process is alive.
    writeFileSync(lock, String(process.ppid));
    expect(() => IngestSpool.open(file)).toThrow(SpoolHeldError);
    expect(() => IngestSpool.open(file)).toThrow(`held by process ${process.ppid}`);

    const gone = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(lock, gone);
    IngestSpool.open(file).start(undefined);
    expect(readdirSync(`${file}-spool`)).toContain('lock');
  });

  it('should take over a spool held by a process that was killed and not yet reaped (a zombie)', async () => {
    const file = databaseFile();
    const lock = join(`${file}-spool`, 'lock');
    forget(IngestSpool.open(file));
    // The background `sleep` ends after its shell became `sleep 30`, which never reaps it. (`true` in its
    // place could end before the exec, and the shell reaped it: no zombie, on a loaded machine.)
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zombie = Number(
        await new Promise<string>((resolve) => parent.stdout.once('data', (data) => resolve(String(data)))),
      );
      expect(await until(() => stateOf(zombie) === 'Z')).toBe(true);
      writeFileSync(lock, String(zombie));
      IngestSpool.open(file).start(undefined);
      expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    } finally {
      parent.kill();
    }
  });

  it('should be held by its holder in this process too', () => {
    const file = databaseFile();
    const spool = IngestSpool.open(file);
    expect(() => IngestSpool.open(file)).toThrow(`held by process ${process.pid}`);
    spool.close();
    IngestSpool.open(file).close();
  });

  it('should keep its files to their owner', () => {
    const file = databaseFile();
    const spool = started(file);
    spool.append(jobs(0, 1));
    const directory = `${file}-spool`;
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(directory))
      expect(statSync(join(directory, name)).mode & 0o777).toBe(0o600);
  });
});
