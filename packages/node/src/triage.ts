import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderValue } from '@triage/core';
import type { AnalysisCallback, Engine, EngineOptions } from '@triage/engine';
import { asOwnWrite, listenToConsole } from './console-lines.js';
import { type CrashCapturing, captureCrashes, forgetCrashes } from './crash-capture.js';
import { CrashKeeper, defaultCrashDirectory } from './crash-keeping.js';
import { type ExitFlushable, flushAtExit, forgetAtExit } from './exit-flush.js';
import { type PinoHooks, pinoHooksFor } from './pino-hooks.js';
import { PinoLines } from './pino-lines.js';
import {
  endWithResponse,
  errorStatusOf,
  type FastifyPlugin,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type MiddlewareOptions,
  recordRouteError,
  requestInfoOf,
} from './request-scope.js';
import { onRequestStart } from './request-start.js';
import { type LineSink, Scope, type ScopeOptions, type ScopeOwner } from './scope.js';
import { type EventDefaults, scopeToEvent } from './scope-to-event.js';
import { type SummaryMode, type SummarySink, SummaryWriter, writeToStdout } from './summary-writer.js';
import { HttpTransport } from './transports/http-transport.js';
import { InProcessTransport } from './transports/in-process-transport.js';
import type { Transport } from './transports/transport.js';
import { captureWinston, type WinstonLogger } from './winston-lines.js';

export interface TriageOptions extends EventDefaults {
  /** Analyse scopes whose worst line is a WARN too (the write-up learned to analyse ERROR only). */
  analyzeWarnings?: boolean;
  /** Which scopes print a summary line, or a function receiving each line. Default: `all`, to stdout. */
  summary?: SummaryMode | SummarySink;
  /** Entries kept from the start of a scope. */
  headEntries?: number;
  /** Entries kept from the end of a scope (the write-up's "last 50 lines"). */
  tailEntries?: number;
  /** A scope still open after this long is ended, flagged "never closed", and analysed if it saw errors. */
  scopeTimeoutMs?: number;
  /**
   * Scopes open at once (default 10,000). Past it the oldest is ended as at `scopeTimeoutMs`: a path that
   * never ends its scope would otherwise keep every request's lines, and what they reference, alive
   * until the timeout (200,000 such scopes held 249 MB: `bench/open-scopes.mjs`).
   */
  maxOpenScopes?: number;
  /**
   * When the process is about to exit on its own (its event loop empty), wait up to this long for ended
   * scopes to be sent or analysed (default 2,000 ms; 0: do not wait). With a DSN, what the server has
   * not got by then (at once, with 0) is kept in `crashDirectory` for the next start, or counted as
   * dropped (`dropped:exit`) when nothing is kept. An explicit `process.exit()` or a signal does not
   * wait: call `await triage.close()` first.
   */
  flushAtExitMs?: number;
  /**
   * Report an uncaught exception (and an unhandled rejection, which Node raises as one) before Node
   * ends the process (default true). The scope it was thrown in (or a scope of its own) ends with the
   * error; with a DSN, the events still held are sent at once, the process blocked for at most
   * `flushAtExitMs` meanwhile. Node then prints the error and exits with code 1 as usual. In process
   * (no DSN) nothing can be analysed or alerted on while the process ends: the events the engine had
   * not finished are kept in `crashDirectory`, redacted, and the next start analyses them.
   */
  captureCrashes?: boolean;
  /**
   * Copy each `console.log/info/debug/warn/error` call made inside a scope into it (default false):
   * `console.error` is then an error line, and an `Error` passed to it is captured. The console prints
   * as before; calls outside scopes are not recorded. The console is wrapped while a client with this
   * option is open.
   */
  captureConsole?: boolean;
  /**
   * Copy each line a pino logger (≥ 9.10) writes inside a scope into the scope, as pino wrote it: after
   * the logger's serializers and `redact` paths, with its child bindings (default true). Taken from
   * pino's tracing channel, so no logger needs configuring; lines outside scopes are pino's alone.
   * Older pino: `pino({ hooks: triage.pinoHooks() })`.
   */
  capturePino?: boolean;
  /**
   * Where what the process could not finish before it ended is kept, for the next start of the
   * application (which looks there): in process, the events the engine had not analysed when it
   * crashed; with a DSN, the events the server could not be reached for, at a crash or at an exit that
   * waited `flushAtExitMs` in vain. Default: a directory of this user's in the temporary directory, one
   * per application (working directory, main script, `service`); set one that outlives a reboot if it
   * matters. `false`: nothing is kept, nothing read back. Not used with a custom `transport`.
   */
  crashDirectory?: string | false;
  /** Called for every analysis, besides each scope's own `onAnalysis`. In-process only: never called with a DSN. */
  onAnalysis?: AnalysisCallback;
  /**
   * Options of the in-process engine (analyzer, notifiers, store, queue sizes, …). Its `redact` and
   * `userKeySecret` also apply with a DSN: events are redacted before they are sent.
   */
  engine?: Omit<EngineOptions, 'onAnalysis' | 'service'>;
  /**
   * Send ended scopes with errors to a `triage serve` server, `http(s)://PUBLIC_KEY@host:7070/PROJECT_ID`,
   * instead of analysing them in process. Default: the `TRIAGE_DSN` environment variable. A malformed
   * DSN throws in `createTriage`. With a DSN, `onAnalysis` callbacks (the client's and each scope's) do
   * not run: the server analyses and alerts.
   */
  dsn?: string;
  /** Where ended scopes with errors go. Default: a Triage server when a DSN is set, else the in-process engine. */
  transport?: Transport;
  /** Where Triage reports its own failures. Default: stderr. */
  diagnostics?: (line: string) => void;
}

export interface TriageStats {
  /** The transport's own counters (the engine's, in process). */
  transport: Record<string, unknown>;
  openScopes: number;
  scopesEnded: number;
  /** SDK-side failures and drops, by kind. */
  sdk: Record<string, number>;
}

/**
 * The in-app client. Everything the application calls is synchronous, cheap
 * and never throws; the engine is loaded on first need and does its work on a
 * background queue after the response.
 */
export class Triage implements ScopeOwner, ExitFlushable, CrashCapturing {
  readonly #storage = new AsyncLocalStorage<Scope>();
  /** The scope that was current when each scope opened by scope() opened. */
  readonly #enclosing = new WeakMap<Scope, Scope>();
  /**
   * Scopes made current by scope(), by the async resource they were opened on: current there, past
   * their call chain (under node:http, a connection's, for its next requests).
   */
  readonly #entered = new WeakMap<Scope, object>();
  readonly #open = new Set<Scope>();
  readonly #options: TriageOptions;
  readonly #summary: SummaryWriter;
  readonly #headEntries: number;
  readonly #tailEntries: number;
  readonly #maxOpenScopes: number;
  readonly #flushAtExitMs: number;
  /** Scopes handed to the transport since the last flush at exit. */
  #sentSinceExitFlush = 0;
  readonly #sdkCounts: Record<string, number> = {};
  readonly #logged = new Set<string>();
  readonly #transport: Transport;
  readonly #inProcess?: InProcessTransport;
  #scopesEnded = 0;
  /** Errors run() captured and threw on: when one of them is uncaught, its scope has reported it. */
  readonly #rethrown = new WeakSet<object>();
  /** Each request's scope, for the error handler: an error may reach it outside the request's async chain. */
  readonly #scopes = new WeakMap<IncomingMessage, Scope>();
  /** The `errorStatus` of the middleware that opened each request's scope, for the error handler. */
  readonly #errorStatusOf = new WeakMap<Scope, number>();
  #sweeper?: NodeJS.Timeout;
  #closed = false;
  #pinoLines?: PinoLines;
  #stopConsole?: () => void;
  /** Set by the first scope(): an application that opens none pays nothing per request. */
  #stopRequestStart?: () => void;

  constructor(options: TriageOptions = {}) {
    // What Triage writes through the application's functions is never copied back into a scope.
    const { diagnostics, summary: summaryOption } = options;
    if (diagnostics) options = { ...options, diagnostics: (line) => asOwnWrite(() => diagnostics(line)) };
    if (typeof summaryOption === 'function')
      options = { ...options, summary: (line) => asOwnWrite(() => summaryOption(line)) };
    this.#options = options;
    this.#headEntries = nonNegative(options.headEntries, 10, 'headEntries');
    this.#tailEntries = Math.max(1, nonNegative(options.tailEntries, 50, 'tailEntries'));
    this.#maxOpenScopes = nonNegative(options.maxOpenScopes, 10_000, 'maxOpenScopes');
    if (this.#maxOpenScopes < 1) throw new RangeError('maxOpenScopes must be at least 1, got 0');
    this.#flushAtExitMs = nonNegative(options.flushAtExitMs, 2_000, 'flushAtExitMs');
    const { summary = 'all' } = options;
    this.#summary =
      typeof summary === 'function'
        ? new SummaryWriter(
            'all',
            (lines) => lines.forEach(summary),
            (error) => this.#fail('summary', error),
          )
        : new SummaryWriter(summary, writeToStdout, (error) => this.#fail('summary', error));
    const dsn = options.dsn ?? process.env.TRIAGE_DSN;
    if (options.transport) {
      this.#transport = options.transport;
    } else if (dsn) {
      const http = new HttpTransport({
        dsn,
        // The same redaction as in process: the engine's options name it.
        redact: options.engine?.redact,
        userKeySecret: options.engine?.userKeySecret,
        onFailure: (stage, error) => this.#fail(stage, error),
        onDrop: (reason, count) => this.#count(`dropped:${reason}`, count),
        keeper: keeperOf(options),
        onNote: (line) => this.#note(line),
      });
      this.#transport = http;
      void http.replayKept().then((count) => this.#handedOver(count));
    } else {
      this.#inProcess = new InProcessTransport({
        engine: {
          diagnostics: options.diagnostics,
          ...options.engine,
          service: options.service,
          onAnalysis: options.onAnalysis,
        },
        onFailure: (stage, error) => this.#fail(stage, error),
        onDrop: (reason, count) => this.#count(`dropped:${reason}`, count),
        keeper: keeperOf(options),
        onNote: (line) => this.#note(line),
      });
      this.#transport = this.#inProcess;
      void this.#inProcess.replayKept().then((count) => this.#handedOver(count));
    }
    if (options.captureCrashes ?? true) captureCrashes(this);
    if (options.capturePino ?? true) this.#pinoLines = new PinoLines(this.lineSink('pino'));
    if (options.captureConsole) this.#stopConsole = listenToConsole(this.lineSink('console'));
  }

  /** Opens a scope and makes it the current one for the rest of this async call chain. */
  scope(options: ScopeOptions = {}): Scope {
    const scope = new Scope(this, options, this.#headEntries, this.#tailEntries);
    if (this.#closed) {
      scope.ended = true;
      return scope;
    }
    this.#track(scope);
    // Made current again when this one ends (a scope opened inside another, as in a run() callback).
    const enclosing = this.#storage.getStore();
    if (enclosing) this.#enclosing.set(scope, enclosing);
    this.#entered.set(scope, executionAsyncResource());
    this.#stopRequestStart ??= onRequestStart(() => this.#leaveEnteredScopes());
    this.#storage.enterWith(scope);
    return scope;
  }

  /**
   * Runs `fn` inside a new scope and ends it when `fn` settles; a thrown error
   * or rejection is captured (and re-thrown unchanged).
   */
  run<T>(options: ScopeOptions, fn: (scope: Scope) => T): T {
    // A closed client records nothing: `fn` runs as it would without Triage, with a scope already ended.
    if (this.#closed) return fn(this.scope(options));
    const scope = new Scope(this, options, this.#headEntries, this.#tailEntries);
    this.#track(scope);
    let result: T;
    try {
      result = this.#storage.run(scope, fn, scope);
    } catch (error) {
      this.#captureAndEnd(scope, error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          scope.end();
          return value;
        },
        (error: unknown) => {
          this.#captureAndEnd(scope, error);
          throw error;
        },
      ) as T;
    }
    scope.end();
    return result;
  }

  /**
   * Connect and Express middleware (`app.use(triage.middleware())`, before the routes): a scope per
   * request, current for the whole of its handling (`triage.current()`), holding its method, path and
   * a few headers, and ended when the response is sent, with its route and status. A response of 500
   * or above is an error even if nothing logged one. With `errorHandler()` after the routes, an error
   * a route throws or passes to `next` is captured in its request's scope.
   */
  middleware(
    options: MiddlewareOptions = {},
  ): (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void {
    const errorStatus = errorStatusOf(options);
    return (request, response, next) => {
      const scope = this.#requestScope(request, response, options, errorStatus);
      // The application's own code runs outside any try of Triage's: what it throws is Express's to handle.
      if (scope) this.#storage.run(scope, next);
      else next();
    };
  }

  /**
   * A Fastify plugin (`await app.register(triage.fastify)`, or with options as `register`'s second
   * argument): what `middleware()` does for Express, from Fastify's `onRequest` and `onError` hooks, for
   * every route of the app (it is not encapsulated), the scope named after Fastify's route pattern.
   */
  get fastify(): FastifyPlugin {
    const plugin: FastifyPlugin = (app, options, done) => {
      try {
        const errorStatus = errorStatusOf(options);
        app.addHook('onRequest', (request: FastifyRequestLike, reply: FastifyReplyLike, next: () => void) => {
          const scope = this.#requestScope(
            request.raw,
            reply.raw,
            options,
            errorStatus,
            () => request.routeOptions?.url,
          );
          if (scope) this.#storage.run(scope, next);
          else next();
        });
        app.addHook(
          'onError',
          (request: FastifyRequestLike, _reply: unknown, error: Error, next: () => void) => {
            try {
              const scope = this.#scopes.get(request.raw);
              if (scope) recordRouteError(scope, error, errorStatus);
            } catch (failure) {
              this.#fail('middleware', failure);
            }
            next();
          },
        );
        done();
      } catch (error) {
        done(error as Error);
      }
    };
    // fastify-plugin's mark: the hooks apply to the whole app, not only inside the plugin's own context.
    return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  }

  /** A request's scope, tracked, current once its handling runs inside it; undefined when closed or on a failure. */
  #requestScope(
    request: IncomingMessage,
    response: ServerResponse,
    options: MiddlewareOptions,
    errorStatus: number,
    routeOf?: () => string | undefined,
  ): Scope | undefined {
    if (this.#closed) return undefined;
    try {
      const own = typeof options.scope === 'function' ? options.scope(request) : options.scope;
      // A copy per request: the scope is named after its route when it ends.
      const scope = new Scope(
        this,
        { ...own, request: requestInfoOf(request) },
        this.#headEntries,
        this.#tailEntries,
      );
      this.#track(scope);
      this.#scopes.set(request, scope);
      this.#errorStatusOf.set(scope, errorStatus);
      endWithResponse(scope, request, response, errorStatus, routeOf);
      return scope;
    } catch (error) {
      this.#fail('middleware', error);
      return undefined;
    }
  }

  /**
   * Express error middleware (`app.use(triage.errorHandler())`, after the routes): captures the error
   * in its request's scope, then passes it on unchanged to the next error handler (Express's own
   * answers 500), so the scope ends with the error and its stack.
   */
  errorHandler(): (
    error: unknown,
    request: IncomingMessage,
    response: ServerResponse,
    next: (error?: unknown) => void,
  ) => void {
    return (error, request, _response, next) => {
      try {
        const scope = this.#scopes.get(request) ?? this.current();
        if (scope) recordRouteError(scope, error, this.#errorStatusOf.get(scope) ?? 500);
      } catch (failure) {
        this.#fail('middleware', failure);
      }
      next(error);
    };
  }

  /**
   * pino hooks (`pino({ hooks: triage.pinoHooks() })`) that copy each line the logger writes into the
   * current scope, for pino 7 to 9.9, which do not publish their lines; pino still writes every line as
   * it would have. With a newer pino, `capturePino` records the line (as pino wrote it) and these hooks
   * add nothing.
   */
  pinoHooks(): PinoHooks {
    return pinoHooksFor(this.lineSink('pino'), this.#pinoLines);
  }

  /**
   * Copies each line a winston (3) logger writes inside a scope into it, as the logger's format left it
   * (its redacting formats applied), and returns the logger. The line goes to the scope current when it
   * was logged, even when winston formats it later. It stays on the logger; once this client is closed
   * it records nothing.
   */
  captureWinston<T extends WinstonLogger>(logger: T): T {
    return captureWinston(logger, constant(this.lineSink('winston')));
  }

  /**
   * The current scope, and this client's counting and reporting of failures under `name`: what a
   * bridge from another logger records with (`scope.written`, or `scope.info`…).
   */
  lineSink(name: string): LineSink {
    return { current: () => this.current(), onFailure: (error) => this.#fail(name, error) };
  }

  #captureAndEnd(scope: Scope, error: unknown) {
    scope.capture(error);
    scope.end();
    if (typeof error === 'object' && error !== null) this.#rethrown.add(error);
  }

  crashed(error: unknown, origin: NodeJS.UncaughtExceptionOrigin, fatal: boolean): void {
    if (this.#closed) return;
    try {
      const current = this.current();
      const reported = typeof error === 'object' && error !== null && this.#rethrown.has(error);
      if (current || !reported) {
        const scope = current ?? new Scope(this, {}, this.#headEntries, this.#tailEntries);
        scope.capture(
          error,
          origin === 'unhandledRejection' ? 'Unhandled promise rejection' : 'Uncaught exception',
        );
        scope.endedBy = 'crash';
        scope.end();
      }
      if (!fatal) return;
      // The event loop will not turn again: what waits for it is written or sent now, or never.
      this.#summary.flush();
      if (this.#inProcess) {
        // A file, written at once: flushAtExitMs bounds waiting on a server, and nothing waits here.
        if (this.#options.crashDirectory !== false) this.#inProcess.sendAtCrash();
        else
          this.#fail(
            'crash',
            new Error(
              'the process is ending on an uncaught exception: the in-process engine cannot analyse it now, and crashDirectory is false (with TRIAGE_DSN a Triage server receives crashes)',
            ),
          );
        return;
      }
      // With flushAtExitMs 0 nothing waits on the server: what can be kept is, at once.
      this.#transport.sendAtCrash?.(this.#flushAtExitMs);
    } catch (failure) {
      this.#fail('crash', failure);
    }
  }

  /**
   * As a node:http request starts: under node:http a handler's async context is its connection's, so a
   * scope a handler opened with scope() would be current for the connection's next requests (keep-alive),
   * taking their log lines. Each request starts in the scope that enclosed the scopes opened on its
   * connection, if any; one opened elsewhere (at start-up, before the server) stays the requests'.
   */
  #leaveEnteredScopes(): void {
    try {
      const connection = executionAsyncResource();
      const onConnection = (scope: Scope | undefined): boolean =>
        scope !== undefined && this.#entered.get(scope) === connection;
      let store = this.#storage.getStore();
      if (!onConnection(store)) return;
      while (store && onConnection(store)) store = this.#enclosing.get(store);
      this.#storage.enterWith(store as Scope);
    } catch (error) {
      // A throw here would reach the application as an uncaught exception (diagnostics_channel rethrows).
      this.#fail('request start', error);
    }
  }

  /** The scope of the current async call chain, if one is open. */
  current(): Scope | undefined {
    const scope = this.#storage.getStore();
    return scope && !scope.ended ? scope : undefined;
  }

  scopeEnded(scope: Scope): void {
    try {
      this.#open.delete(scope);
      this.#scopesEnded++;
      if (this.#storage.getStore() === scope) {
        let enclosing = this.#enclosing.get(scope);
        while (enclosing?.ended) enclosing = this.#enclosing.get(enclosing);
        this.#storage.enterWith(enclosing as Scope);
      }
      this.#summary.add(scope);
      if (!scope.hasErrors(this.#options.analyzeWarnings)) return;
      const { service, environment, release } = this.#options;
      this.#handedOver(1);
      this.#transport.send({
        event: () => scopeToEvent(scope, { service, environment, release }),
        onAnalysis: scope.options.onAnalysis,
      });
    } catch (error) {
      this.#fail('scope end', error);
    }
  }

  /**
   * Resolves with the in-process engine once loaded; rejects on a configuration
   * error (for applications that want to fail fast at start-up).
   */
  ready(): Promise<Engine> {
    if (!this.#inProcess) {
      const target =
        this.#transport instanceof HttpTransport ? 'a Triage server (TRIAGE_DSN)' : 'a custom transport';
      return Promise.reject(new Error(`this client sends to ${target}, not an in-process engine`));
    }
    return this.#inProcess.ready();
  }

  /** Waits until every ended scope has been analysed, alerted and tracked; false on timeout. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    this.#summary.flush();
    try {
      return await this.#transport.flush(timeoutMs);
    } catch (error) {
      this.#fail('flush', error);
      return false;
    }
  }

  flushAtExit(): Promise<void> | undefined {
    if (this.#closed || this.#sentSinceExitFlush === 0) return undefined;
    this.#sentSinceExitFlush = 0;
    const waitMs = this.#flushAtExitMs;
    if (waitMs === 0) {
      this.#unfinishedAtExit(waitMs);
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    // The transport's own timers do not hold the process (a server that is down must not keep an
    // application alive): this one does, for at most waitMs.
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    return Promise.race([this.flush(waitMs), deadline]).then((done) => {
      clearTimeout(timer);
      if (!done) this.#unfinishedAtExit(waitMs);
    });
  }

  /**
   * The process is exiting with what `waitMs` did not see through: kept for the next start when the
   * transport can (it says where), else reported, and with a DSN counted as dropped. In process, with
   * 0, nothing tells what the engine has not finished: nothing is said.
   */
  #unfinishedAtExit(waitMs: number) {
    const http = this.#transport instanceof HttpTransport ? this.#transport : undefined;
    if (!http && waitMs === 0) return;
    const lost = http?.keepAtExit();
    if (lost === 0) return;
    if (lost) this.#count('dropped:exit', lost);
    const waited = waitMs === 0 ? 'flushAtExitMs is 0' : `waited ${waitMs} ms`;
    this.#fail('exit', new Error(`the process is exiting with scopes not yet sent or analysed (${waited})`));
  }

  /** Ends scopes still open (flagged), flushes and shuts the engine down. Idempotent. */
  async close(timeoutMs = 10_000): Promise<boolean> {
    if (!this.#closed) {
      for (const scope of [...this.#open]) {
        scope.endedBy = 'shutdown';
        scope.end();
      }
      this.#closed = true;
      forgetAtExit(this);
      forgetCrashes(this);
      this.#pinoLines?.close();
      this.#stopConsole?.();
      this.#stopRequestStart?.();
      // An enabled AsyncLocalStorage is carried into every async resource the process makes, for as
      // long as it lives: a closed client's would slow the process a little more with each one closed.
      this.#storage.disable();
      if (this.#sweeper) clearInterval(this.#sweeper);
    }
    this.#summary.flush();
    try {
      return await this.#transport.close(timeoutMs);
    } catch (error) {
      this.#fail('close', error);
      return false;
    }
  }

  stats(): TriageStats {
    return {
      transport: this.#transport.stats?.() ?? {},
      openScopes: this.#open.size,
      scopesEnded: this.#scopesEnded,
      sdk: {
        ...this.#sdkCounts,
        ...(this.#summary.dropped > 0 ? { 'dropped:summary': this.#summary.dropped } : {}),
      },
    };
  }

  #track(scope: Scope) {
    this.#open.add(scope);
    if (!this.#sweeper) this.#startSweeper();
    if (this.#open.size <= this.#maxOpenScopes) return;
    // A Set keeps insertion order: the first is the oldest.
    const oldest = this.#open.values().next().value as Scope;
    oldest.endedBy = 'limit';
    this.#fail(
      'scope',
      new Error(
        `more than ${this.#maxOpenScopes} scopes were open at once: the oldest are ended as never closed (does a path forget to end its scope?)`,
      ),
    );
    oldest.end();
  }

  #startSweeper() {
    const timeout = this.#options.scopeTimeoutMs ?? 10 * 60_000;
    this.#sweeper = setInterval(
      () => {
        const cutoff = Date.now() - timeout;
        for (const scope of this.#open) {
          if (scope.startedAt > cutoff) continue;
          scope.endedBy = 'timeout';
          this.#fail(
            'scope',
            new Error(`a scope of ${scope.options.func ?? scope.options.file ?? 'unknown'} was never closed`),
          );
          scope.end();
        }
      },
      Math.min(timeout, 60_000),
    );
    this.#sweeper.unref();
  }

  #count(kind: string, by = 1) {
    this.#sdkCounts[kind] = (this.#sdkCounts[kind] ?? 0) + by;
  }

  /**
   * `count` events went to the transport (ended scopes, or kept ones read back): a process that then
   * ends on its own waits for them (flushAtExitMs). A start that replays what an earlier run kept and
   * logs nothing itself exited before sending it.
   */
  #handedOver(count: number) {
    if (count === 0) return;
    // With flushAtExitMs 0 too: nothing is waited for, but what is unsent is kept (or counted).
    if (this.#sentSinceExitFlush === 0) flushAtExit(this);
    this.#sentSinceExitFlush += count;
  }

  /** Counted always, logged once per kind. */
  #fail(stage: string, error: unknown) {
    this.#count(`failed:${stage}`);
    const message = messageOf(error);
    const key = `${stage}:${message}`;
    if (this.#logged.has(key)) return;
    if (this.#logged.size < 100) this.#logged.add(key);
    this.#note(`${stage} failed: ${message}`);
  }

  /** A line to the diagnostics (stderr by default), prefixed `[triage]`. */
  #note(line: string) {
    try {
      (this.#options.diagnostics ?? ((text: string) => process.stderr.write(`${text}\n`)))(
        `[triage] ${line}`,
      );
    } catch {
      // nowhere left to report
    }
  }
}

/** Where this client keeps what a crash (or, with a DSN, an exit) leaves unfinished; undefined: nowhere. */
function keeperOf(options: TriageOptions): CrashKeeper | undefined {
  const { crashDirectory = defaultCrashDirectory(options.service) } = options;
  if (crashDirectory === false) return undefined;
  if (typeof crashDirectory !== 'string' || crashDirectory === '')
    throw new TypeError(`crashDirectory must be a directory's path or false, got ${String(crashDirectory)}`);
  return new CrashKeeper(crashDirectory, {
    redact: options.engine?.redact,
    userKeySecret: options.engine?.userKeySecret,
    shared: options.crashDirectory === undefined,
  });
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

/** Creates a client; bad options (sizes) throw here, at setup, never later. */
export function createTriage(options?: TriageOptions): Triage {
  return new Triage(options);
}

/** What a failure says, whatever was thrown: a value whose conversion throws still reads as something. */
function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return renderValue(error);
  }
}

function constant<T>(value: T): () => T {
  return () => value;
}
