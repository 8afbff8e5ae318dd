import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createPseudonymizer, createRedactor, type RedactOptions, type TriageEvent } from '@triage/core';

/** Events one crash left for the next start, as read back. */
export interface KeptCrash {
  /** The file, renamed as claimed by this process: `release` deletes it. */
  file: string;
  pid: number;
  crashedAt: number;
  events: unknown[];
}

/**
 * What `replay`'s `take` did with a crash: declined it (false: given back whole, for a later start),
 * took it (true: its file is deleted now), or took it and deletes its file itself once done with its
 * events ('later', with `releaseSync`; never, if this process ends first: a later start takes it again).
 */
export type Taken = boolean | 'later';

export interface CrashKeeperOptions {
  /** The in-process engine's `redact` option: the file holds only what the engine would have stored. */
  redact?: RedactOptions;
  /**
   * The engine's `userKeySecret`, for when `keep` is not given the engine's pseudonymizer; without
   * either, users get a pseudonym under a key nobody keeps.
   */
  userKeySecret?: string;
  /** Files kept at most; a crash past it deletes the oldest (an application that crashes in a loop). */
  maxFiles?: number;
  /**
   * The directory lies in one every user can write in (the default one, in the temporary directory):
   * it and its parent must be this user's own, or another user could plant crashes for it to analyse.
   */
  shared?: boolean;
}

const KEPT = /^crash-(\d+)-(\d+)-[0-9a-f]+\.json$/;
const CLAIMED = /^(crash-\d+-\d+-[0-9a-f]+\.json)\.claimed-(\d+)$/;
const WRITING = /^\.crash-.*\.tmp$/;
const MAX_FILES = 100;
/** The files this process has claimed and not yet released: a claim under its own pid is not stale. */
const claimedHere = new Set<string>();
/** A file being written is renamed in microseconds: one older than this was cut short by a crash. */
const STALE_WRITE_MS = 60_000;

/**
 * Where an application's crashes wait when no server takes them: one directory per user (0700, checked
 * to be theirs, since the temporary directory is shared) and per application (its working directory,
 * main script and service), so that only the next start of the same application reads them.
 */
export function defaultCrashDirectory(service: string | undefined): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : userInfo().username;
  const application = createHash('sha256')
    .update(`${process.cwd()}\0${process.argv[1] ?? ''}\0${service ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), `triage-crashes-${user}`, application);
}

/**
 * Keeps the events an in-process engine had not finished when the process crashed, in a file, for the
 * next start of the application to analyse. Node ends the process after an uncaught exception as soon
 * as its listeners return, so nothing asynchronous (an LLM call, an alert) can run at the crash: only a
 * synchronous write can. The events are redacted (and their users pseudonymized) first, as the engine
 * would before storing them: nothing unredacted reaches the disk.
 *
 * A start claims a file by renaming it (`….claimed-<pid>`), so that of several processes of the
 * application starting together one analyses each crash; a claim whose process is gone is taken again,
 * and so is one under this process's pid that this process did not make (a container's process gets
 * the same pid at every start). Processes that share the directory must share a pid namespace (one
 * machine, or one container): across namespaces a pid says nothing.
 */
export class CrashKeeper {
  readonly directory: string;
  readonly #redact?: RedactOptions;
  readonly #userKeySecret?: string;
  readonly #maxFiles: number;
  readonly #shared: boolean;

  constructor(
    directory: string,
    { redact, userKeySecret, maxFiles = MAX_FILES, shared = false }: CrashKeeperOptions = {},
  ) {
    this.directory = directory;
    this.#redact = redact;
    this.#userKeySecret = userKeySecret;
    this.#maxFiles = maxFiles;
    this.#shared = shared;
  }

  /**
   * Writes `events`, redacted, to a new file (synchronously: it runs while the process ends) and
   * returns its path; undefined when there was nothing to keep. Their users are pseudonymized with
   * `pseudonymizer` (the engine's, whose key may come from its store), else with `userKeySecret`.
   * Throws when the directory is not usable or the write fails.
   */
  keep(events: TriageEvent[], pseudonymizer?: (event: TriageEvent) => TriageEvent): string | undefined {
    if (events.length === 0) return undefined;
    // Made here, at the crash, not at start: most processes never crash, and never need it.
    const redactor = createRedactor(this.#redact);
    const pseudonymize =
      pseudonymizer ?? createPseudonymizer(this.#userKeySecret ?? randomBytes(32).toString('hex'));
    return this.keepWritten(events.map((event) => JSON.stringify(redactor.event(pseudonymize(event)))));
  }

  /**
   * Writes events already redacted, pseudonymized and serialized (a transport's, built to be sent) to
   * a new file, as `keep` does; undefined when there was nothing to keep. Throws as `keep` does.
   */
  keepWritten(events: string[]): string | undefined {
    if (events.length === 0) return undefined;
    this.#makeDirectory();
    this.#makeRoom();
    const crashedAt = Date.now();
    const name = `crash-${crashedAt}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
    const writing = join(this.directory, `.${name}.tmp`);
    writeFileSync(writing, `{"pid":${process.pid},"crashedAt":${crashedAt},"events":[${events.join(',')}]}`, {
      mode: 0o600,
      flag: 'wx',
    });
    // Whole or not at all: a start never reads a file cut short.
    renameSync(writing, join(this.directory, name));
    return join(this.directory, name);
  }

  /**
   * Claims and reads every crash waiting in the directory, as long as `wanted()`. A file that is not a
   * crash this module wrote is renamed `….invalid`, out of the way, and reported through `onInvalid`.
   */
  async claim(
    onInvalid: (file: string, error: unknown) => void,
    wanted: () => boolean = () => true,
  ): Promise<KeptCrash[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (names.length === 0) return [];
    this.#checkDirectory();
    const crashes: KeptCrash[] = [];
    for (const name of names.sort()) {
      if (WRITING.test(name)) {
        await this.#removeStaleWrite(name);
        continue;
      }
      const claimed = CLAIMED.exec(name);
      const original = claimed ? claimed[1]! : KEPT.test(name) ? name : undefined;
      if (!original || (claimed && isHeld(Number(claimed[2]), join(this.directory, name)))) continue;
      // Closed while the directory was read (a client replaced at start-up): its successor claims them.
      if (!wanted()) break;
      const mine = join(this.directory, `${original}.claimed-${process.pid}`);
      try {
        await rename(join(this.directory, name), mine);
      } catch (error) {
        // Another process of the application claimed it first.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      claimedHere.add(mine);
      try {
        crashes.push({ file: mine, ...parseKept(await readFile(mine, 'utf8')) });
      } catch (error) {
        claimedHere.delete(mine);
        await rename(mine, join(this.directory, `${original}.invalid`)).catch(() => {});
        onInvalid(join(this.directory, `${original}.invalid`), error);
      }
    }
    return crashes;
  }

  /**
   * Claims the crashes waiting (as long as `wanted()`) and hands each to `take`, then deletes its file
   * (see `Taken`); a crash `take` declines (false), or one claimed when no longer `wanted()`, is given
   * back whole for a later start. One file's trouble (gone, unreadable, invalid) goes to `onError` and
   * does not stop the others. Resolves with how many events were taken.
   */
  async replay(
    take: (crash: KeptCrash) => Taken | Promise<Taken>,
    { wanted, onError }: { wanted: () => boolean; onError: (error: unknown) => void },
  ): Promise<number> {
    const crashes = await this.claim(
      (file, error) => onError(new Error(`${file}: ${(error as Error).message}`)),
      wanted,
    );
    let taken = 0;
    for (const crash of crashes) {
      try {
        const result = wanted() && (await take(crash));
        if (!result) {
          await this.unclaim(crash);
          continue;
        }
        taken += crash.events.length;
        if (result === true) await this.release(crash);
      } catch (error) {
        onError(error);
      }
    }
    return taken;
  }

  /** Deletes a claimed crash once its events were analysed (or sent). */
  async release(crash: KeptCrash): Promise<void> {
    claimedHere.delete(crash.file);
    try {
      await unlink(crash.file);
    } catch (error) {
      // Made room for by a crash of another process meanwhile: nothing left to delete.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** `release`, at once: its events may have been kept again at a crash, when nothing waits. */
  releaseSync(crash: KeptCrash): void {
    claimedHere.delete(crash.file);
    try {
      unlinkSync(crash.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Gives a claimed crash back, untouched, for a later start to take. */
  async unclaim(crash: KeptCrash): Promise<void> {
    claimedHere.delete(crash.file);
    await rename(crash.file, crash.file.replace(/\.claimed-\d+$/, ''));
  }

  #makeDirectory(): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    this.#checkDirectory();
  }

  /** In a shared place: the directory and its parent are this user's own, and only it writes in them. */
  #checkDirectory(): void {
    if (!this.#shared || typeof process.getuid !== 'function') return;
    for (const path of [join(this.directory, '..'), this.directory]) {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0)
        throw new Error(
          `${path} is not a directory of this user that only it can write in: crashes are not kept there (set crashDirectory)`,
        );
    }
  }

  #makeRoom(): void {
    // Only crashes nobody has claimed: a claimed one is being analysed, and goes once it is.
    const kept = readdirSync(this.directory)
      .filter((name) => KEPT.test(name))
      .sort((a, b) => crashTime(a) - crashTime(b));
    for (const name of kept.slice(0, Math.max(0, kept.length - this.#maxFiles + 1))) {
      try {
        unlinkSync(join(this.directory, name));
      } catch {
        // Claimed and deleted by a start meanwhile.
      }
    }
  }

  async #removeStaleWrite(name: string): Promise<void> {
    const path = join(this.directory, name);
    try {
      if (Date.now() - lstatSync(path).mtimeMs > STALE_WRITE_MS) await unlink(path);
    } catch {
      // Renamed by its writer, or removed by another start.
    }
  }
}

function crashTime(name: string): number {
  return Number(KEPT.exec(name)?.[1] ?? 0);
}

function parseKept(text: string): Omit<KeptCrash, 'file'> {
  const parsed = JSON.parse(text) as { pid?: unknown; crashedAt?: unknown; events?: unknown };
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !Number.isInteger(parsed.pid) ||
    !Number.isInteger(parsed.crashedAt) ||
    !Array.isArray(parsed.events)
  )
    throw new Error('not a crash kept by Triage (pid, crashedAt, events)');
  return { pid: parsed.pid as number, crashedAt: parsed.crashedAt as number, events: parsed.events };
}

/** Whether the claim at `path`, made by process `pid`, still holds: this process's own, or a live one's. */
function isHeld(pid: number, path: string): boolean {
  if (pid === process.pid) return claimedHere.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
