/** A Triage DSN taken apart: where to post events and the key to post them with. */
export interface ParsedDsn {
  /** The server's ingest URL, `{protocol}//{host}{prefix}/api/v1/events`. */
  endpoint: string;
  publicKey: string;
  projectId: string;
}

const EXPECTED = 'expected http(s)://PUBLIC_KEY@host:7070/PROJECT_ID';
const HEADER_SAFE_KEY = /^[\x21-\x7e]+$/;

/**
 * Reads `http(s)://PUBLIC_KEY@host:port/PROJECT_ID`. A path before the project id
 * (a server behind a reverse proxy at `/triage/`) is kept in front of `/api/v1/events`.
 *
 * @throws RangeError naming TRIAGE_DSN when the DSN is malformed; the message never
 * repeats the DSN, so the key does not end up in logs.
 */
export function parseDsn(dsn: string): ParsedDsn {
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch (error) {
    throw new RangeError(`TRIAGE_DSN (the dsn option) is not a URL; ${EXPECTED}`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`TRIAGE_DSN (the dsn option) must start with http:// or https://; ${EXPECTED}`);
  }
  const publicKey = safeDecode(url.username);
  if (!publicKey) {
    throw new RangeError(`TRIAGE_DSN (the dsn option) has no public key before the @; ${EXPECTED}`);
  }
  // It goes in a header: one that is not a valid header value fails every request, as if the server
  // were down, rather than here.
  if (!HEADER_SAFE_KEY.test(publicKey)) {
    throw new RangeError(
      `TRIAGE_DSN (the dsn option) has a public key that is not printable ASCII without spaces (once percent-decoded); ${EXPECTED}`,
    );
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  const projectId = safeDecode(segments.pop() ?? '');
  if (!projectId) {
    throw new RangeError(`TRIAGE_DSN (the dsn option) has no project id after the host; ${EXPECTED}`);
  }
  const prefix = segments.map((segment) => `/${segment}`).join('');
  return { endpoint: `${url.protocol}//${url.host}${prefix}/api/v1/events`, publicKey, projectId };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` in a key is more likely part of the key than an encoding mistake.
    return text;
  }
}
