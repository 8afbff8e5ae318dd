/** Severity of one log entry, lowest first. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * How much the failing code matters to the business (the write-up's matrix):
 * P0 revenue-critical, P1 user-facing, P2 background jobs, P3 admin/internal.
 */
export type Priority = 'P0' | 'P1' | 'P2' | 'P3';

export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
export const PRIORITIES: readonly Priority[] = ['P0', 'P1', 'P2', 'P3'];

/** One captured log line. `message` is already formatted (see `formatLog`). */
export interface LogEntry {
  level: Level;
  message: string;
  /** Epoch milliseconds. */
  time?: number;
  fields?: Record<string, unknown>;
  /**
   * A line of an SDK's trail before the event (a Sentry breadcrumb: console output, HTTP calls, earlier
   * errors), kept as context. Its errors are not the event's own: they do not make an analysis again.
   */
  breadcrumb?: boolean;
}

/** One parsed stack frame; line and column never take part in grouping. */
export interface StackFrame {
  function?: string;
  /** Module, package or file the frame belongs to. */
  file?: string;
  line?: number;
  column?: number;
  /** True when the frame is the application's own code (not node_modules, not the runtime). */
  inApp?: boolean;
}

export interface ErrorInfo {
  type: string;
  message: string;
  /** Innermost call first, as in a Node stack trace. */
  frames?: StackFrame[];
  code?: string;
  cause?: ErrorInfo;
}

export interface RequestInfo {
  method?: string;
  url?: string;
  route?: string;
  status?: number;
  headers?: Record<string, string>;
  ip?: string;
}

export interface UserInfo {
  id?: string;
  email?: string;
  /**
   * A keyed hash of the id (else the email), made before redaction: redaction turns every email into
   * `[email]`, and "users affected" counts this instead (see `createPseudonymizer`).
   */
  pseudonym?: string;
  [key: string]: unknown;
}

/**
 * One captured failure (or, for baselines, one success), in the one shape every
 * stage after `normalize` works on. Only `id`, `timestamp`, `level` and `log` are
 * always present.
 */
export interface TriageEvent {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  level: Level;
  log: LogEntry[];
  service?: string;
  source?: { file?: string; function?: string };
  /** What the code was doing (a scope's description: "Processing widget chat request"). */
  description?: string;
  /**
   * The event's own message when it reports one (a Sentry `captureMessage` or logged error, a native
   * event's `message`), also its last log line: the headline when there is no `error`, ahead of
   * error lines logged before it.
   */
  message?: string;
  error?: ErrorInfo;
  request?: RequestInfo;
  user?: UserInfo;
  tags?: Record<string, string>;
  release?: string;
  environment?: string;
  priority?: Priority;
  /** Explicit grouping key from the application; wins over the computed one. */
  fingerprint?: string[];
  durationMs?: number;
  /** Entries the SDK's bounded buffer left out between the head and the tail. */
  droppedEntries?: number;
}
