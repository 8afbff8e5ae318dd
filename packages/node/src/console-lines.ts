import type { Level } from '@triage/core';
import { formatLog } from '@triage/core';
import type { LineSink, WrittenLine } from './scope.js';

/** The console methods copied, and the level each line gets. */
const LEVELS = { debug: 'debug', log: 'info', info: 'info', warn: 'warn', error: 'error' } as const;
/**
 * Methods left alone. Node's own write through the ones above (`trace` through `error`, `assert`
 * through `warn`, `table` through `log`): wrapped only so that those inner calls are not copied.
 */
const LEFT_ALONE = [
  'trace',
  'assert',
  'table',
  'dir',
  'dirxml',
  'group',
  'groupCollapsed',
  'count',
  'countReset',
  'time',
  'timeLog',
  'timeEnd',
] as const;
type Method = keyof typeof LEVELS | (typeof LEFT_ALONE)[number];
type ConsoleMethod = (...args: unknown[]) => void;

const listeners = new Set<LineSink>();
/** The wrapping in place, while a client listens: each method's wrapper and what it wrapped. */
let wrapping: Map<Method, { wrapper: ConsoleMethod; original: ConsoleMethod }> | undefined;
/**
 * Above zero while a call is not to be copied: Triage's own writes (a synchronous `diagnostics` or
 * `summary` function may use the console) and the left-alone methods' inner calls.
 */
let ownWrites = 0;

/**
 * Copies each `console.log/info/debug/warn/error` call made inside a scope into it, for every client
 * listening, then lets the console print it as it would have. The console is wrapped once for all
 * clients, and given back when the last stops listening; a wrapper something else wrapped since stays
 * in that chain, passing calls on and recording nothing. The arguments are kept as they were passed,
 * and formatted (with the console's verbs) only if the scope is analysed.
 */
export function listenToConsole(listener: LineSink): () => void {
  listeners.add(listener);
  if (!wrapping) wrapping = wrapConsole();
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0 || !wrapping) return;
    for (const [method, { wrapper, original }] of wrapping)
      if (console[method] === wrapper)
        (console as unknown as Record<Method, ConsoleMethod>)[method] = original;
    wrapping = undefined;
  };
}

/** Runs `write` (Triage's own output) without its console calls being copied into a scope. */
export function asOwnWrite<T>(write: () => T): T {
  ownWrites++;
  try {
    return write();
  } finally {
    ownWrites--;
  }
}

function wrapConsole(): Map<Method, { wrapper: ConsoleMethod; original: ConsoleMethod }> {
  const wrapped = new Map<Method, { wrapper: ConsoleMethod; original: ConsoleMethod }>();
  for (const method of Object.keys(LEVELS) as (keyof typeof LEVELS)[]) {
    const original = console[method] as ConsoleMethod;
    const level = LEVELS[method];
    const wrapper = function (this: unknown, ...args: unknown[]) {
      // Only the wrapping in place records: an earlier one left in another chain passes calls on.
      if (ownWrites === 0 && args.length > 0 && wrapping === wrapped)
        for (const listener of listeners) record(listener, level, args);
      return original.apply(this, args);
    };
    wrapped.set(method, { wrapper, original });
    console[method] = wrapper;
  }
  for (const method of LEFT_ALONE) {
    const original = console[method] as ConsoleMethod | undefined;
    if (typeof original !== 'function') continue;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      ownWrites++;
      try {
        return original.apply(this, args);
      } finally {
        ownWrites--;
      }
    };
    wrapped.set(method, { wrapper, original });
    (console as unknown as Record<Method, ConsoleMethod>)[method] = wrapper;
  }
  return wrapped;
}

function record(listener: LineSink, level: Level, args: unknown[]): void {
  try {
    const scope = listener.current();
    if (!scope) return;
    const error = level === 'error' ? args.find((arg) => arg instanceof Error) : undefined;
    scope.written(
      level,
      new ConsoleLine(args),
      error === undefined ? undefined : { original: error, reported: error },
    );
  } catch (failure) {
    listener.onFailure(failure);
  }
}

/** A console call's arguments, formatted as the console would (`%s %d %i %f %j %o %O`) when rendered. */
class ConsoleLine implements WrittenLine {
  readonly #args: unknown[];

  constructor(args: unknown[]) {
    this.#args = args;
  }

  render(): { message: string } {
    const [format, ...values] = this.#args;
    return { message: formatLog(format, values) };
  }
}
