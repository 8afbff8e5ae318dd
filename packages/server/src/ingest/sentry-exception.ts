import type { ErrorInfo } from '@triage/core';
import { framesFromStacktrace, stacktraceOf } from './sentry-frames.js';
import { asNumber, asRecord, asText, valuesOf } from './sentry-values.js';

/** Causes followed below the outermost error; normalize keeps fewer anyway. */
const MAX_CHAIN = 10;

export interface SentryException {
  /** The outermost error, its `cause` the one it wraps, and so on. */
  error: ErrorInfo;
  /** How the outermost error was caught (`onunhandledrejection`, `generic`…). */
  mechanism?: string;
  handled?: boolean;
  /** A stack the SDK made up (captureMessage with a stack trace), not a thrown error. */
  synthetic: boolean;
}

/**
 * The exception chain of a Sentry event as one Triage error, outermost first. Sentry lists
 * chained exceptions oldest (innermost cause) first and the raised one last; when the SDK
 * links them with `mechanism.exception_id`/`parent_id` (JavaScript, Python), those links win,
 * so an exception group follows its first child.
 */
export function errorFromException(
  exception: unknown,
  { threads, platform }: { threads?: unknown; platform?: string } = {},
): SentryException | undefined {
  const values = valuesOf(exception).flatMap((value) => {
    const record = asRecord(value);
    return record && (asText(record.type) || asText(record.value)) ? [record] : [];
  });
  if (values.length === 0) return undefined;
  const chain = outermostFirst(values).slice(0, MAX_CHAIN + 1);
  let error: ErrorInfo | undefined;
  for (let index = chain.length - 1; index >= 0; index--) {
    // Only the outermost error may borrow its thread's stack: causes were thrown elsewhere.
    error = toErrorInfo(chain[index]!, error, index === 0 ? threads : undefined, platform);
  }
  const mechanism = asRecord(chain[0]!.mechanism);
  return {
    error: error!,
    mechanism: asText(mechanism?.type),
    handled: typeof mechanism?.handled === 'boolean' ? mechanism.handled : undefined,
    synthetic: mechanism?.synthetic === true,
  };
}

function outermostFirst(values: Record<string, unknown>[]): Record<string, unknown>[] {
  const ids = values.map((value) => asNumber(asRecord(value.mechanism)?.exception_id));
  const parents = values.map((value) => asNumber(asRecord(value.mechanism)?.parent_id));
  const rootIndex = ids.findIndex((id, index) => id !== undefined && parents[index] === undefined);
  if (rootIndex === -1 || !ids.some((_, index) => parents[index] !== undefined)) {
    return [...values].reverse();
  }
  const chain: Record<string, unknown>[] = [];
  const seen = new Set<number>();
  let index: number | undefined = rootIndex;
  // `seen` stops a malicious payload whose parent links form a cycle.
  while (index !== undefined && !seen.has(index)) {
    seen.add(index);
    chain.push(values[index]!);
    index = childOf(values, ids, parents, ids[index]!);
  }
  return chain;
}

// A `cause` wins over exception-group members; among those, the lowest id (the first member).
function childOf(
  values: Record<string, unknown>[],
  ids: (number | undefined)[],
  parents: (number | undefined)[],
  parentId: number,
): number | undefined {
  let best: number | undefined;
  for (let index = 0; index < values.length; index++) {
    if (parents[index] !== parentId) continue;
    if (asRecord(values[index]!.mechanism)?.source === 'cause') return index;
    if (best === undefined || (ids[index] ?? 0) < (ids[best] ?? 0)) best = index;
  }
  return best;
}

function toErrorInfo(
  value: Record<string, unknown>,
  cause: ErrorInfo | undefined,
  threads: unknown,
  platform: string | undefined,
): ErrorInfo {
  const meta = asRecord(asRecord(value.mechanism)?.meta);
  const code = asText(asRecord(meta?.errno)?.name) ?? asText(asRecord(meta?.signal)?.name);
  return {
    type: asText(value.type) ?? 'Error',
    message: asText(value.value) ?? '',
    frames: framesFromStacktrace(stacktraceOf(value, threads), platform),
    code,
    cause,
  };
}
