/** Node's words for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The file system's words for storage that cannot take a write now: full, over quota, failing,
 * read-only, busy. The server's ingest spool is a file beside the SQLite database.
 */
const FILE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EBUSY']);

/** SQLite's result codes for a database that cannot take the statement now, or at all. */
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM)/;

/** pg's own messages (no SQLSTATE) for a connection that broke or never came. */
const PG_MESSAGES = /^(Connection terminated|timeout expired|Client has encountered a connection error)/;

/**
 * Whether an error says the database is unavailable (down, restarting, unreachable, full, locked)
 * rather than that the statement or the data is wrong: the request may succeed when tried again,
 * so the server answers 503 with Retry-After instead of 500.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || FILE_CODES.has(code) || SQLITE_CODES.test(code)) return true;
      // SQLSTATE class 08 (connection exception), 53 (insufficient resources), 57P01–57P03 (shut down,
      // crashed, cannot connect now).
      if (/^(08|53)\w{3}$|^57P0[1-3]$/.test(code)) return true;
    }
    if (typeof message === 'string' && PG_MESSAGES.test(message)) return true;
    if (cause instanceof AggregateError && cause.errors.some(isStoreUnavailable)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
