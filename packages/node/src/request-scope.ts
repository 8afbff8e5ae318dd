import { IncomingMessage, type ServerResponse } from 'node:http';
import type { RequestInfo } from '@triage/core';
import type { Scope, ScopeOptions } from './scope.js';

/** What `triage.middleware()` takes. */
export interface MiddlewareOptions {
  /**
   * Options of each request's scope besides its request (priority, tags, description, user…), or a
   * function of the request that returns them (run when the request arrives). Without `func`, the scope
   * is named after the route once the response is sent (`GET /orders/:id`), or `(no matching route)`.
   */
  scope?: ScopeOptions | ((request: IncomingMessage) => ScopeOptions);
  /**
   * A response with this status or above ends its scope with an error line, so a handler that answers
   * 500 without logging one is analysed too; an error that answers below it is a warning line, not a
   * capture (default 500; 0: no status lines, and every error captured).
   */
  errorStatus?: number;
}

/** What the Fastify plugin reads of a request and its reply: Node's own objects, and the route pattern. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}
export interface FastifyReplyLike {
  raw: ServerResponse;
}

/** The part of a Fastify instance the plugin uses (typed loosely: Fastify's own types are not a dependency). */
export interface FastifyLike {
  // biome-ignore lint/suspicious/noExplicitAny: each of Fastify's hooks has its own signature.
  addHook(name: string, hook: (...args: any[]) => unknown): unknown;
}

/** A Fastify plugin, callback style, marked to apply to the whole app (fastify-plugin's `skip-override`). */
export type FastifyPlugin = (
  app: FastifyLike,
  options: MiddlewareOptions,
  done: (error?: Error) => void,
) => void;

/**
 * Records an error a route threw or passed on, in its request's scope: captured (and so analysed) when
 * the answer it makes is a server error (its `status` or `statusCode`, as http-errors, body-parser and
 * Fastify set them; 500 without one), else a warning line. A 400 for malformed JSON or a 404 is the
 * client's doing: analysing each would let any client ask for LLM calls and alerts.
 */
export function recordRouteError(scope: Scope, error: unknown, errorStatus: number): void {
  const status = statusOf(error);
  if (errorStatus > 0 && status < errorStatus) scope.warn('responded %d: %s', status, error);
  // Until a logger's line reports it: the framework's logger may write the error's line after this
  // hook, and its version of the error (after its redaction) is then the one diagnosed.
  else scope.captureUnlessLogged(error);
}

function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const given = typeof status === 'number' ? status : statusCode;
  return typeof given === 'number' && given >= 400 && given <= 599 ? given : 500;
}

/** The status from which a response is an error; throws at setup on a value that is not one. */
export function errorStatusOf({ errorStatus = 500 }: MiddlewareOptions): number {
  if (!Number.isInteger(errorStatus) || errorStatus < 0 || errorStatus > 999)
    throw new RangeError(`errorStatus must be an HTTP status (or 0 for none), got ${errorStatus}`);
  return errorStatus;
}

/** Express's additions to the request, read when present (plain node:http and Connect have none). */
interface RoutedRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
}

/** The request headers an event keeps: what helps a diagnosis and names nobody (no cookies, no auth). */
const KEPT_HEADERS = ['user-agent', 'content-type', 'content-length', 'accept'] as const;

/** The request as an event records it: method, path (the query string left out: it may hold tokens), headers. */
export function requestInfoOf(request: IncomingMessage): RequestInfo {
  const routed = request as RoutedRequest;
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value.slice(0, 512);
  }
  return { method: request.method, url: pathOf(routed.originalUrl ?? request.url ?? '/'), headers };
}

/** Where each request's route was matched: the route and the mount path of its router then. */
const matched = new WeakMap<object, { route: RoutedRequest['route']; mount: string }>();
/** The framework request prototypes (Express's `request`) given the accessor below. */
const watched = new WeakSet<object>();

/**
 * The framework's own request prototype, the last before Node's (Express's `request`, which every
 * app's `app.request` inherits from: a mounted sub-app swaps the request's prototype for its own while
 * it routes, and the accessor must be seen there too). Undefined for a plain node:http request: Node's
 * own prototype is left alone.
 */
function frameworkPrototypeOf(request: IncomingMessage): object | undefined {
  let prototype = Object.getPrototypeOf(request) as object | null;
  while (prototype && prototype !== IncomingMessage.prototype) {
    const parent = Object.getPrototypeOf(prototype) as object | null;
    if (parent === IncomingMessage.prototype) return prototype;
    prototype = parent;
  }
  return undefined;
}

/**
 * Follows Express's routing of `request`: the returned function gives the route pattern that matched
 * (`/orders/:id`), under the mount path of its router. Express sets `request.route` when a route
 * matches, and restores `baseUrl` once the request leaves the router: by the time the response is
 * sent (or an error reaches the handlers after the routes) the mount path is gone, so it is read at
 * the moment the route is set, by an accessor on the framework's request prototype (once), so that no
 * request object gets a property of its own for it.
 */
export function watchRoute(request: IncomingMessage): () => string | undefined {
  const routed = request as RoutedRequest;
  const prototype = frameworkPrototypeOf(request);
  if (prototype && !watched.has(prototype) && !Object.getOwnPropertyDescriptor(prototype, 'route')) {
    watched.add(prototype);
    try {
      Object.defineProperty(prototype, 'route', {
        configurable: true,
        get(this: RoutedRequest) {
          return matched.get(this)?.route;
        },
        set(this: RoutedRequest, route: RoutedRequest['route']) {
          matched.set(this, { route, mount: this.baseUrl ?? '' });
        },
      });
    } catch {
      // A frozen prototype: the route pattern alone, without its mount path.
    }
  }
  return () => {
    const seen = matched.get(routed);
    const path = (seen?.route ?? routed.route)?.path;
    return typeof path === 'string' ? `${seen?.mount ?? ''}${path}` : undefined;
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).slice(0, 2_048);
}

/**
 * Ends `scope` when `response` is done (`close`): sent, or its connection closed first. `routeOf` gives
 * the route that matched (default: Express's, followed by `watchRoute`).
 * It then records the route and the status, names the scope after the route if nothing named it, and
 * adds an error line for a status of `errorStatus` or above (0: never).
 */
export function endWithResponse(
  scope: Scope,
  request: IncomingMessage,
  response: ServerResponse,
  errorStatus: number,
  routeOf: () => string | undefined = watchRoute(request),
): void {
  const end = () => {
    if (scope.ended) return;
    scope.options.request ??= requestInfoOf(request);
    const info = scope.options.request;
    const route = routeOf();
    if (route !== undefined) info.route = route;
    // Without a route (a 404, a failure before routing, an app without routes) the path is not a name:
    // one per URL would split an error into as many issues, and a path may hold an id or an email.
    const label = `${request.method ?? 'GET'} ${route ?? '(no matching route)'}`;
    scope.options.func ??= label;
    // Ended by the application, not yet flushed: a response answered. (`writableFinished` also waits for
    // the socket, and stays false under `app.inject()`, whose socket is not one.)
    if (!response.writableEnded) {
      scope.warn('the client closed the connection before the response was sent (%s)', label);
    } else {
      info.status = response.statusCode;
      if (errorStatus > 0 && response.statusCode >= errorStatus && !scope.hasErrors())
        scope.error('responded %d to %s', response.statusCode, label);
    }
    scope.end();
  };
  // One listener: a response emits 'close' once it is done, sent or not ('finish' only when sent).
  response.once('close', end);
}
