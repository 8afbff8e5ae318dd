import { errorInfoFrom, formatLog, type LogEntry, type TriageEvent } from '@triage/core';
import type { RawEntry, Scope } from './scope.js';

/** Event-wide facts the client adds to every scope's event. */
export interface EventDefaults {
  service?: string;
  environment?: string;
  release?: string;
}

/**
 * Formats a scope's buffered entries into an event. Runs on the background
 * queue, never on the request path: this is where `%s`/`%j` finally render.
 */
export function scopeToEvent(scope: Scope, defaults: EventDefaults): TriageEvent {
  const { options } = scope;
  const log = scope.entries().map(toLogEntry);
  // A crash ended it: its captured error says so.
  if (scope.endedBy && scope.endedBy !== 'crash') {
    log.push({
      level: 'warn',
      message: `[triage] scope was never closed by the application (ended at ${scope.endedBy === 'limit' ? 'the open-scope limit' : scope.endedBy})`,
    });
  }
  const error = scope.captured.length > 0 ? errorInfoFrom(scope.captured[0]) : undefined;
  return {
    id: globalThis.crypto.randomUUID(),
    timestamp: scope.startedAt,
    level: scope.hasErrors() ? 'error' : scope.maxRank === 2 ? 'warn' : 'info',
    log,
    error,
    service: defaults.service,
    environment: defaults.environment,
    release: defaults.release,
    source: { file: options.file, function: options.func },
    description: options.description,
    priority: options.priority,
    tags: options.tags,
    request: options.request,
    user: options.user,
    durationMs: scope.durationMs,
    droppedEntries: scope.dropped > 0 ? scope.dropped : undefined,
  };
}

function toLogEntry({ level, time, format, args, line }: RawEntry): LogEntry {
  if (line) return { level, time, ...line.render() };
  // `error('Payment declined', { orderId })`: a lone object after a verb-less message is fields, not text.
  if (args.length === 1 && typeof format === 'string' && !format.includes('%') && isPlainObject(args[0])) {
    const fields = args[0] as Record<string, unknown>;
    return { level, time, message: `${format} ${formatLog('%j', [fields])}`, fields };
  }
  return { level, time, message: formatLog(format, args) };
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    // A proxy that refuses: formatted as an argument, not kept as fields.
    return false;
  }
}
