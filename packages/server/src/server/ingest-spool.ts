import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { NewJob } from './job-row.js';

/** A place in the spool: a segment file's number and a byte offset in it. */
export interface SpoolMark {
  segment: number;
  offset: number;
}

/** What a start found in the spool after the mark the database holds: jobs no run stored. */
export interface RecoveredJobs {
  jobs: NewJob[];
  /** Where they end; undefined when nothing was found. */
  end?: SpoolMark;
  /** Lines that were not jobs: the torn end of a write cut short, or damage. */
  dropped: number;
}

/** The spool of another live process: this one writes its jobs straight to the database. */
export class SpoolHeldError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(`the ingest spool ${directory} is held by process ${pid}`);
  }
}

/** An append refused: the spool or the disk under it cannot take it now (a 503, nothing accepted). */
export class SpoolUnavailableError extends Error {
  // The code isStoreUnavailable knows for storage that is busy: the client is told to send again later.
  readonly code = 'EBUSY';
}

export interface SpoolOptions {
  /** Each append is flushed to the disk (TRIAGE_SQLITE_SYNC=full), as SQLite's commits then are. */
  sync?: boolean;
  /** Appends go to a new segment once the current one is past this size (default 16 MiB). */
  rotateBytes?: number;
  /** Appends are refused while the jobs not yet moved hold more payload characters (default 256 Mi). */
  maxUnmovedChars?: number;
}

/** One append's jobs not yet moved into the database, and where in the spool they lie. */
interface Append {
  jobs: NewJob[];
  segment: number;
  /** Where the first of `jobs` (after `taken`) starts. */
  start: number;
  end: number;
  /** Jobs of this append already taken (a large append is moved in parts). */
  taken: number;
}

const ROTATE_BYTES = 16 * 1024 * 1024;
const MAX_UNMOVED_CHARS = 256 * 1024 * 1024;
const LOCK_FILE = 'lock';
const SEGMENT = /^(\d{12})\.jobs$/;
/** Spools this process holds open: its own pid in a lock file does not tell them from a stale one. */
const heldHere = new Set<string>();

const segmentName = (segment: number) => `${String(segment).padStart(12, '0')}.jobs`;

/**
 * The ingest spool: where a SQLite server makes accepted events durable before it answers, ahead of
 * the jobs table they are then moved into, many at a time.
 *
 * Why: on SQLite a group commit of ten requests' events cost the event loop more than anything else
 * ingest does: about twenty system calls (two per log frame written, the shared-memory locks). With
 * the spool the event loop spent 5–6 µs less per request (bench/README.md, "The ingest spool"). An append here is one
 * `write` for all the events of the commit, durable against a crash of the process as SQLite's log is
 * with `synchronous = NORMAL` (and flushed to the disk, as SQLite's, with TRIAGE_SQLITE_SYNC=full). The
 * move into the jobs table then writes thousands of events per transaction, for a few µs each.
 *
 * The spool is a directory beside the database (`<file>-spool`) of segment files, each line one job:
 * its kind, a tab and its payload (redacted JSON, which never holds a raw tab or newline). The database
 * holds the mark up to which the spool was moved, written in the same transaction as the moved jobs:
 * a start reads the jobs after the mark (recover), so a job is stored once whether the process died
 * before or after its move. Every job a line holds was redacted before it was written.
 *
 * One process holds the spool (a lock file with its pid); another server started on the same database
 * writes straight to the jobs table, as on PostgreSQL.
 */
export class IngestSpool {
  readonly #directory: string;
  readonly #sync: boolean;
  readonly #rotateBytes: number;
  readonly #maxUnmovedChars: number;
  #fd = -1;
  #segment = 0;
  #size = 0;
  /** Segments appends no longer go to, deleted once all their jobs are moved. */
  readonly #retired: number[] = [];
  readonly #unmoved: Append[] = [];
  #unmovedJobs = 0;
  #unmovedChars = 0;
  #closed = false;

  private constructor(directory: string, options: Required<SpoolOptions>) {
    this.#directory = directory;
    this.#sync = options.sync;
    this.#rotateBytes = options.rotateBytes;
    this.#maxUnmovedChars = options.maxUnmovedChars;
  }

  /**
   * Opens the spool of the SQLite database at `databaseFile`, taking its lock; throws SpoolHeldError if
   * another live process holds it.
   */
  static open(
    databaseFile: string,
    { sync = false, rotateBytes = ROTATE_BYTES, maxUnmovedChars = MAX_UNMOVED_CHARS }: SpoolOptions = {},
  ): IngestSpool {
    const directory = `${databaseFile}-spool`;
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (heldHere.has(directory)) throw new SpoolHeldError(directory, process.pid);
    takeLock(directory);
    heldHere.add(directory);
    return new IngestSpool(directory, { sync, rotateBytes, maxUnmovedChars });
  }

  get directory(): string {
    return this.#directory;
  }

  /** Jobs appended and not yet moved into the database. */
  get unmoved(): number {
    return this.#unmovedJobs;
  }

  /**
   * The jobs of the segments after `mark` (the database's; undefined: none was ever moved), read when
   * the process starts, before any append. Lines that are not jobs (the torn end of a write a crash
   * cut short) are dropped and counted: no client was answered for them.
   */
  recover(mark: SpoolMark | undefined): RecoveredJobs {
    const recovered: RecoveredJobs = { jobs: [], dropped: 0 };
    for (const segment of this.#segments()) {
      const from =
        mark === undefined || segment > mark.segment ? 0 : segment === mark.segment ? mark.offset : -1;
      if (from === -1) continue;
      const bytes = readFileSync(join(this.#directory, segmentName(segment)));
      let start = from;
      for (;;) {
        const newline = bytes.indexOf(0x0a, start);
        if (newline === -1) {
          if (start < bytes.length) recovered.dropped++;
          break;
        }
        const job = jobOfLine(bytes.toString('utf8', start, newline));
        if (job) recovered.jobs.push(job);
        else recovered.dropped++;
        start = newline + 1;
      }
      recovered.end = { segment, offset: bytes.length };
    }
    return recovered;
  }

  /**
   * Starts the segment appends go to: after every segment there is, all of which the database now holds
   * (recover's jobs were stored with their mark), so they are deleted; and after the database's `mark`,
   * so that a segment number the database has a mark in is never used again.
   */
  start(mark: SpoolMark | undefined): void {
    const segments = this.#segments();
    this.#segment = Math.max(segments.at(-1) ?? 0, mark?.segment ?? 0) + 1;
    this.#openSegment();
    for (const segment of segments) unlinkSync(join(this.#directory, segmentName(segment)));
  }

  /**
   * Appends `jobs` in one write: durable (as SQLite's log is) when this returns. Throws
   * SpoolUnavailableError, having written nothing, when the disk refuses or too much waits unmoved.
   */
  append(jobs: NewJob[]): void {
    if (this.#closed) throw new SpoolUnavailableError('the ingest spool is closed');
    if (this.#unmovedChars > this.#maxUnmovedChars)
      throw new SpoolUnavailableError(
        `${this.#unmovedJobs} events wait to be moved from the ingest spool into the database`,
      );
    let text = '';
    let chars = 0;
    for (const job of jobs) {
      text += `${job.kind}\t${job.payload}\n`;
      chars += job.payload.length;
    }
    const buffer = Buffer.from(text, 'utf8');
    if (this.#size >= this.#rotateBytes) this.#rotate();
    const start = this.#size;
    try {
      const written = writeSync(this.#fd, buffer, 0, buffer.length, start);
      if (written !== buffer.length) throw new Error(`wrote ${written} of ${buffer.length} bytes`);
      if (this.#sync) fdatasyncSync(this.#fd);
    } catch (error) {
      // A short write (a full disk) leaves part of a line: cut it off, so the next append starts clean.
      try {
        ftruncateSync(this.#fd, start);
      } catch {}
      throw new SpoolUnavailableError(`the ingest spool could not be written: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#size = start + buffer.length;
    this.#unmoved.push({ jobs, segment: this.#segment, start, end: this.#size, taken: 0 });
    this.#unmovedJobs += jobs.length;
    this.#unmovedChars += chars;
  }

  /**
   * The oldest unmoved jobs, at most `maxJobs` and about `maxChars` of payload (at least one job), and
   * the mark that follows the last of them; undefined when there are none. They stay unmoved until
   * `moved` is given that mark.
   */
  take(maxJobs: number, maxChars: number): { jobs: NewJob[]; end: SpoolMark } | undefined {
    const jobs: NewJob[] = [];
    let chars = 0;
    let end: SpoolMark | undefined;
    for (const append of this.#unmoved) {
      let index = append.taken;
      for (; index < append.jobs.length; index++) {
        const job = append.jobs[index]!;
        if (jobs.length > 0 && (jobs.length >= maxJobs || chars + job.payload.length > maxChars)) break;
        jobs.push(job);
        chars += job.payload.length;
      }
      if (index === append.jobs.length) {
        end = { segment: append.segment, offset: append.end };
        continue;
      }
      // Part of a large append: its lines' bytes are counted only then.
      if (index > append.taken)
        end = { segment: append.segment, offset: append.start + lineBytes(append.jobs, append.taken, index) };
      break;
    }
    return end && { jobs, end };
  }

  /** The jobs up to `end` (from take) are in the database: drops them, and the segments they emptied. */
  moved(end: SpoolMark): void {
    while (this.#unmoved.length > 0) {
      const append = this.#unmoved[0]!;
      if (append.segment > end.segment || (append.segment === end.segment && append.start >= end.offset))
        break;
      if (append.segment === end.segment && append.end > end.offset) {
        // Part of a large append: count off its jobs up to `end`.
        while (append.start < end.offset) {
          const job = append.jobs[append.taken++]!;
          append.start += lineBytes(append.jobs, append.taken - 1, append.taken);
          this.#forget(job);
        }
        break;
      }
      for (let index = append.taken; index < append.jobs.length; index++) this.#forget(append.jobs[index]!);
      this.#unmoved.shift();
    }
    // A start never reads a segment before the database's mark again.
    const oldest = this.#unmoved[0]?.segment ?? this.#segment;
    while (this.#retired.length > 0 && this.#retired[0]! < oldest)
      unlinkSync(join(this.#directory, segmentName(this.#retired.shift()!)));
  }

  /** Later appends go to a new segment: the old one is deleted once all it holds is moved. */
  #rotate(): void {
    closeSync(this.#fd);
    this.#retired.push(this.#segment);
    this.#segment++;
    this.#openSegment();
  }

  /**
   * Ends the spool; when everything was moved, its files go too, so the next start finds nothing to
   * recover. Otherwise they stay for it (recover).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    heldHere.delete(this.#directory);
    if (this.#fd !== -1) closeSync(this.#fd);
    if (this.#unmoved.length === 0 && this.#fd !== -1)
      unlinkSync(join(this.#directory, segmentName(this.#segment)));
    unlinkSync(join(this.#directory, LOCK_FILE));
    if (this.#unmoved.length === 0) {
      try {
        rmdirSync(this.#directory);
      } catch {}
    }
  }

  #forget(job: NewJob): void {
    this.#unmovedJobs--;
    this.#unmovedChars -= job.payload.length;
  }

  #segments(): number[] {
    return readdirSync(this.#directory)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  #openSegment(): void {
    this.#fd = openSync(join(this.#directory, segmentName(this.#segment)), 'wx', 0o600);
    this.#size = 0;
    if (this.#sync) {
      // The new file's name must survive a power cut too.
      const directory = openSync(this.#directory, 'r');
      try {
        fsyncSync(directory);
      } finally {
        closeSync(directory);
      }
    }
  }
}

/** The bytes of the lines of `jobs` from `from` to before `to`. */
function lineBytes(jobs: NewJob[], from: number, to: number): number {
  let bytes = 0;
  for (let index = from; index < to; index++)
    bytes += Buffer.byteLength(jobs[index]!.kind) + Buffer.byteLength(jobs[index]!.payload) + 2;
  return bytes;
}

/** A line of the spool as a job, or undefined when it is not one (a torn write, damage). */
function jobOfLine(line: string): NewJob | undefined {
  const tab = line.indexOf('\t');
  if (tab <= 0) return undefined;
  const payload = line.slice(tab + 1);
  try {
    JSON.parse(payload);
  } catch {
    return undefined;
  }
  return { kind: line.slice(0, tab), payload };
}

/** Takes the lock file of `directory` for this process, or throws SpoolHeldError when a live process holds it. */
function takeLock(directory: string): void {
  const path = join(directory, LOCK_FILE);
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
      throw new SpoolHeldError(directory, pid);
    // Left by a process that is gone (or by this one's pid, reused after a restart): taken over.
    unlinkSync(path);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process killed and not yet reaped by its parent (a zombie) keeps its pid and nothing else: a start
  // right after a `kill -9` found the spool held by it, and left its events for a later start.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux), or gone meanwhile: as kill said.
    return true;
  }
}
