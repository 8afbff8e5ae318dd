import type { Level, Priority, RequestInfo, UserInfo } from '@triage/core';
import type { AnalysisCallback } from '@triage/engine';

/** What a scope is opened with: the write-up's file, function and description, plus routing facts. */
export interface ScopeOptions {
  file?: string;
  func?: string;
  description?: string;
  /** P0 revenue-critical, P1 user-facing, P2 background, P3 internal. */
  priority?: Priority;
  tags?: Record<string, string>;
  request?: RequestInfo;
  user?: UserInfo;
  /** Called with the structured analysis and its markdown, after the alert went out. */
  onAnalysis?: AnalysisCallback;
}

/** One buffered, unformatted log call, or a line another logger already wrote. */
export interface RawEntry {
  level: Level;
  time: number;
  format: unknown;
  args: unknown[];
  line?: WrittenLine;
}

/**
 * A line another logger wrote (pino's), kept as it was written: turned into a message and fields only
 * if the scope is analysed. `render` never throws.
 */
export interface WrittenLine {
  render(): { message: string; fields?: Record<string, unknown> };
}

/** What a bridge from another logger records with: a client's current scope, and where its failures go. */
export interface LineSink {
  current(): Scope | undefined;
  onFailure(error: unknown): void;
}

/** Receives a scope once it ends; implemented by the Triage client. */
export interface ScopeOwner {
  scopeEnded(scope: Scope): void;
}

const WARN = 2;
const ERROR = 3;
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: WARN, error: ERROR };

/**
 * The write-up's LoggingLLM: collects a handler's log lines, and when it ends
 * (`end()` or `using`) hands itself to the client, which decides on analysis.
 * Lines are stored unformatted in a bounded buffer (first N + last M, plus any
 * error or warning pushed out of the tail). Nothing here does I/O or throws.
 */
export class Scope implements Disposable {
  readonly options: ScopeOptions;
  readonly startedAt = Date.now();
  readonly #start = performance.now();
  readonly head: RawEntry[] = [];
  readonly tail: RawEntry[] = [];
  /** Errors and warnings pushed out of the tail ring: always kept for the diagnosis. */
  readonly kept: RawEntry[] = [];
  readonly captured: unknown[] = [];
  /** Errors a logger's line reported, by the object the call passed (`captured` holds them as written). */
  #originals: unknown[] | undefined;
  /** Errors a framework's hook captured, until a logger's line reports them: where each is. */
  #provisional: Map<unknown, { entry: RawEntry }> | undefined;
  #tailNext = 0;
  #headSize: number;
  #tailSize: number;
  #owner: ScopeOwner;
  dropped = 0;
  /** Highest level logged so far, as a rank (0 debug … 3 error). */
  maxRank = 0;
  durationMs = 0;
  ended = false;
  /** Set when the scope was ended by the client rather than by the application. */
  endedBy?: 'timeout' | 'shutdown' | 'limit' | 'crash';

  constructor(owner: ScopeOwner, options: ScopeOptions, headSize: number, tailSize: number) {
    this.#owner = owner;
    this.options = options;
    this.#headSize = headSize;
    this.#tailSize = tailSize;
  }

  debug(format: unknown, ...args: unknown[]): void {
    this.#push('debug', format, args);
  }

  info(format: unknown, ...args: unknown[]): void {
    this.#push('info', format, args);
  }

  warn(format: unknown, ...args: unknown[]): void {
    this.#push('warn', format, args);
  }

  /** `error('Request failed: %v', err)` or `error('Payment declined', { orderId })`. */
  error(format: unknown, ...args: unknown[]): void {
    this.#push('error', format, args);
  }

  /** Records a caught exception: its type, message, stack and causes go into the diagnosis. */
  capture(error: unknown, message?: string): void {
    // The same error reported twice (a logger's line, then the framework's error hook) is one error.
    if (this.ended || this.#reported(error)) return;
    if (this.captured.length < 5) this.captured.push(error);
    this.#push('error', message ?? error, message === undefined ? [] : [error]);
  }

  /**
   * Records a line another logger wrote. With `error` (on an error line): the error the call passed
   * (`original`, which says which error it is) and the one to diagnose (`reported`: the same, or as the
   * line wrote it; undefined when the logger left it out). An error already reported is not captured
   * again, and its line is left out, as `capture` leaves out the second report.
   */
  written(level: Level, line: WrittenLine, error?: { original: unknown; reported: unknown }): void {
    if (this.ended) return;
    const provisional = error && this.#provisional?.get(error.original);
    if (error && provisional) {
      // The line reports what a framework's hook captured: it takes that capture's place.
      this.#provisional?.delete(error.original);
      this.#originals ??= [];
      this.#originals.push(error.original);
      const at = this.captured.indexOf(error.original);
      if (at !== -1) {
        if (error.reported === undefined) this.captured.splice(at, 1);
        else this.captured[at] = error.reported;
      }
      Object.assign(provisional.entry, { level, format: undefined, args: [], line });
      return;
    }
    if (error) {
      if (this.#reported(error.original)) return;
      // Remembered even when the line left it out: a framework's report of it later is not captured
      // either, as the logger's configuration wanted it out.
      this.#originals ??= [];
      if (this.#originals.length < 20) this.#originals.push(error.original);
      if (error.reported !== undefined && this.captured.length < 5) this.captured.push(error.reported);
    }
    this.#push(level, undefined, [], line);
  }

  /** True when `error` was captured already, as it is or as a logger wrote it. */
  #reported(error: unknown): boolean {
    return this.captured.includes(error) || (this.#originals?.includes(error) ?? false);
  }

  /** True when analysis is due: an ERROR entry or a captured exception (or a WARN, if `warnings`). */
  hasErrors(warnings = false): boolean {
    return this.maxRank >= (warnings ? WARN : ERROR) || this.captured.length > 0;
  }

  /**
   * Captures `error` as `capture` does, until a logger's line reports it: a framework's error hook sees
   * an error before the framework's logger writes its line, and the line's version (what the logger's
   * `redact` paths and serializers left of it) then takes its place, in the log and in the diagnosis.
   */
  captureUnlessLogged(error: unknown): void {
    if (this.ended || this.#reported(error)) return;
    if (this.captured.length < 5) this.captured.push(error);
    const entry = this.#push('error', error, []);
    if (!entry) return;
    this.#provisional ??= new Map();
    this.#provisional.set(error, { entry });
  }

  /** Closes the scope; later calls do nothing. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.durationMs = performance.now() - this.#start;
    this.#owner.scopeEnded(this);
  }

  [Symbol.dispose](): void {
    this.end();
  }

  /** Entries in order: head, errors kept from the middle, then the tail ring unrolled. */
  entries(): RawEntry[] {
    const tail =
      this.tail.length < this.#tailSize
        ? this.tail
        : [...this.tail.slice(this.#tailNext), ...this.tail.slice(0, this.#tailNext)];
    return [...this.head, ...this.kept, ...tail];
  }

  #push(level: Level, format: unknown, args: unknown[], line?: WrittenLine): RawEntry | undefined {
    if (this.ended) return undefined;
    const rank = RANK[level];
    if (rank > this.maxRank) this.maxRank = rank;
    const entry: RawEntry = { level, time: Date.now(), format, args, line };
    if (this.head.length < this.#headSize) {
      this.head.push(entry);
    } else if (this.tail.length < this.#tailSize) {
      this.tail.push(entry);
    } else {
      const evicted = this.tail[this.#tailNext]!;
      this.tail[this.#tailNext] = entry;
      this.#tailNext = (this.#tailNext + 1) % this.#tailSize;
      this.dropped++;
      if (RANK[evicted.level] >= WARN && this.kept.length < 20) {
        this.kept.push(evicted);
        this.dropped--;
      }
    }
    return entry;
  }
}
