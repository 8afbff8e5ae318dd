import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PinoHooks } from './pino-hooks.js';
import { errorStatusOf, type FastifyPlugin, type MiddlewareOptions } from './request-scope.js';
import type { Scope, ScopeOptions } from './scope.js';
import { Triage, type TriageOptions } from './triage.js';
import { captureWinston, type WinstonLogger } from './winston-lines.js';

let client: Triage | undefined;

function instance(): Triage {
  if (client) return client;
  const defaults = { service: process.env.TRIAGE_SERVICE, environment: process.env.NODE_ENV };
  try {
    client = new Triage(defaults);
  } catch (error) {
    // First use is on a request path: a malformed TRIAGE_DSN must not throw there. Diagnose in
    // process instead, and say so once. `triage.init()` at start-up fails fast as it should.
    process.stderr.write(`[triage] ${(error as Error).message}; diagnosing in process instead\n`);
    client = new Triage({ ...defaults, dsn: '' });
  }
  return client;
}

/**
 * The process-wide client, for the write-up's style of use:
 * `triage.init({...})` once, then `triage.scope({...})` in each handler.
 */
export const triage = {
  /**
   * Replaces the process-wide client with one of these options; call once at start-up, before the first
   * scope. A client it replaces is closed: its open scopes end, what it holds is sent or analysed, and
   * it stops listening for crashes and the process's exit (left running, it reported every crash again).
   */
  init(options: TriageOptions = {}): Triage {
    const replaced = client;
    client = new Triage({
      service: process.env.TRIAGE_SERVICE,
      environment: process.env.NODE_ENV,
      ...options,
    });
    if (replaced) void replaced.close();
    return client;
  },
  scope: (options?: ScopeOptions) => instance().scope(options),
  run: <T>(options: ScopeOptions, fn: (scope: Scope) => T): T => instance().run(options, fn),
  current: () => instance().current(),
  flush: (timeoutMs?: number) => instance().flush(timeoutMs),
  close: (timeoutMs?: number) => instance().close(timeoutMs),
  stats: () => instance().stats(),
  ready: () => instance().ready(),
  /**
   * `Triage.middleware` of whichever client is the process-wide one when a request comes: an
   * `app.use(triage.middleware())` written before `triage.init()` follows the client it makes.
   */
  middleware(options: MiddlewareOptions = {}) {
    errorStatusOf(options);
    const handle = perClient((client) => client.middleware(options));
    return (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) =>
      handle()(request, response, next);
  },
  /** `Triage.errorHandler` of whichever client is the process-wide one when an error comes. */
  errorHandler() {
    const handle = perClient((client) => client.errorHandler());
    return (
      error: unknown,
      request: IncomingMessage,
      response: ServerResponse,
      next: (error?: unknown) => void,
    ) => handle()(error, request, response, next);
  },
  /**
   * `Triage.fastify` of whichever client is the process-wide one when a request comes: a plugin
   * registered before `triage.init()` follows the client it makes.
   */
  get fastify(): FastifyPlugin {
    const plugin: FastifyPlugin = (app, options, done) => {
      try {
        errorStatusOf(options);
      } catch (error) {
        done(error as Error);
        return;
      }
      type Hook = (...args: unknown[]) => unknown;
      // The client's own plugin, registered on a stand-in that hands its hooks over.
      const hooksOf = perClient((client) => {
        const hooks = new Map<string, Hook>();
        client.fastify({ addHook: (name, hook) => hooks.set(name, hook as Hook) }, options, () => {});
        return hooks;
      });
      for (const name of ['onRequest', 'onError'])
        app.addHook(name, (...args: unknown[]) => hooksOf().get(name)!(...args));
      done();
    };
    return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  },
  /** `Triage.captureWinston`, recording for whichever client is the process-wide one when a line is logged. */
  captureWinston<T extends WinstonLogger>(logger: T): T {
    return captureWinston(
      logger,
      perClient((client) => client.lineSink('winston')),
    );
  },
  /** `Triage.pinoHooks` of whichever client is the process-wide one when a line is logged. */
  pinoHooks(): PinoHooks {
    const hooksOf = perClient((client) => client.pinoHooks());
    return {
      logMethod(args, method, level) {
        return hooksOf().logMethod.call(this, args, method, level);
      },
    };
  },
};

/** `make(client)` for whichever client is the process-wide one now, made once per client. */
function perClient<T>(make: (client: Triage) => T): () => T {
  let bound: { client: Triage; value: T } | undefined;
  return () => {
    const current = instance();
    if (bound?.client !== current) bound = { client: current, value: make(current) };
    return bound.value;
  };
}
