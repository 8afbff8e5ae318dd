import { looksRandom } from './random-token.js';
import { rememberStrings, SHORT_LINES } from './remember-strings.js';

type Replacer = string | ((match: string, ...groups: string[]) => string);

// Volatile values replaced by placeholders so that one root cause keeps one key. Compiled once; order
// matters: whole things first (URLs before hosts, temp paths before numbers, UUIDs before hex, dates
// before times before numbers).
const TLD =
  'com|net|org|io|dev|app|cloud|internal|local|localdomain|lan|svc|cluster|invalid|example|test|co|us|eu|de|uk|fr';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/**
 * Ports from here up are the ones an OS picks (Linux's ephemeral range starts at 32768): a client's own
 * port, a test server's. Below it, a port names the service (5432 PostgreSQL, 6379 Redis), and a refused
 * connection to one is another cause than to the other.
 */
const EPHEMERAL_PORT = 32_768;
const withPort =
  (placeholder: string) =>
  (_match: string, port?: string): string =>
    port !== undefined && Number(port) < EPHEMERAL_PORT ? `${placeholder}:${port}` : placeholder;

const REPLACEMENTS: Array<[RegExp, Replacer]> = [
  [/\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s"'<>)]+/gi, '<url>'],
  [/\beyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g, '<jwt>'],
  [/\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}\b/g, '<email>'],
  [
    /(?:\/tmp|\/var\/tmp|\/var\/folders|\/private\/var\/folders)\/[^\s:'"),]+|\b[A-Z]:\\Users\\[^\s\\]+\\AppData\\Local\\Temp\\[^\s:'"),]+/g,
    '<tmp>',
  ],
  // A home directory names the user it belongs to: one path per user, one cause.
  [/(?<![\w.~-])(\/home|\/Users)\/[^\s/'"):,]+/g, '$1/<user>'],
  [/\b([A-Za-z]:\\Users)\\[^\s\\'"):,]+/g, '$1\\<user>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // JavaScript's Date#toString ("Thu Jan 05 2026 10:00:00 GMT+0100 (Central European Standard Time)")
  // and HTTP's dates ("Mon, 05 Jan 2026 10:00:00 GMT").
  [
    new RegExp(
      `\\b${DAY} ${MONTH} \\d{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT[+-]\\d{4}(?: \\([^()\\n]{1,60}\\))?|\\b${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\\b`,
      'g',
    ),
    '<date>',
  ],
  [
    /\b\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
    '<date>',
  ],
  // Request and record ids given as key=value: reqId=req-5ccd, order_id=A-77.
  [/\b([\w.-]*(?:id|Id|ID))=[^\s,;&)"']+/g, '$1=<id>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  // Go's "read tcp 10.0.0.5:12345->10.0.0.7:5432": the left side is this host's own end, whose port the
  // OS picked (below 32768 too, on hosts with a tuned range); only the right side's names the service.
  [
    /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::(\d+))?\b(->)?/g,
    (_match, port?: string, arrow?: string) => (arrow ? '<ip>->' : withPort('<ip>')('', port)),
  ],
  // localhost names no host that varies, and its port names the service as after <host>.
  [/\blocalhost:(\d+)\b/g, withPort('localhost')],
  // Node prints IPv6 loopback and any-address with the port after them: ::1:5432, :::3000.
  [
    /(?<![\w:])::(?:1(?::(\d+))?|:(\d+))(?![\w:])/g,
    (_match, port?: string, any?: string) => withPort('<ip>')('', port ?? any),
  ],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi, '<ip>'],
  // Kubernetes pod names: <deployment>-<replicaset hash>-<5 characters>.
  [
    /\b[a-z0-9](?:[-a-z0-9]{0,40}[a-z0-9])?-[bcdfghjklmnpqrstvwxz2-9]{6,10}-[bcdfghjklmnpqrstvwxz2-9]{5}\b/g,
    '<pod>',
  ],
  [
    new RegExp(`\\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLD})\\b(?::(\\d+))?`, 'gi'),
    withPort('<host>'),
  ],
  // ULID: 26 characters of Crockford's base 32, the first ten a time.
  [/\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b/g, '<id>'],
  // Prefixed ids (Stripe's pi_…, cus_…, sk_live_…; req_…): the prefix says what kind, so it stays.
  [
    /(?<![A-Za-z0-9])([a-z][a-z0-9]{0,11}_(?:(?:live|test)_)?)([A-Za-z0-9]{10,})(?![A-Za-z0-9])/g,
    (match, prefix = '', body = '') => (looksRandom(body, true) ? `${prefix}<id>` : match),
  ],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<hex>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // cuid, nanoid, KSUID and the like, without a prefix: long enough that a name looks like one.
  [/(?<![\w-])[\w-]{16,}(?![\w-])/g, (match) => (looksRandom(match, false) ? '<id>' : match)],
  [/\b\d+(?:\.\d+)?\s?(?:[kKMGTPE]i?B|[kmgtp]b|bytes?)\b/g, '<size>'],
  [/\b(?:\d+(?:\.\d+)?(?:h|m|s|ms|µs|us|ns)){2,}\b/g, '<duration>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds|m|min|mins|minutes|h|hours)\b/g, '<duration>'],
  // Repeat counts as Kubernetes prints them: (x12 over 3m).
  [/\bx\d+\b/g, 'x<num>'],
  // An HTTP error status or an exit code names the failure (401 is not 429 is not 503, 137 is a kill): it
  // stays, as does the port kept after an address. A 1xx-3xx status names none: in a request's log line
  // ("status 200 in 5234ms", 304) it is context that varies, and would split one cause.
  [
    /\b((?:status(?:[ _-]?code)?|HTTP(?:\/\d(?:\.\d)?)?)\s?[:=]?\s?[45]\d\d|(?<!status[ _-]?)code\s?[:=]?\s?[1-5]\d\d)\b(?![.,]\d)|(?<!<(?:ip|host)>:|\blocalhost:)\b\d+(?:\.\d+)?\b/gi,
    (match, keyword?: string) => (keyword !== undefined ? match : '<num>'),
  ],
];

// Quoted values vary per occurrence (an order id, a user's name, a bad input), except a quoted
// identifier after a word that names code or schema: the property in "reading 'id'" or the table in
// 'relation "users"' name the root cause, so they stay.
const QUOTED = /((?:\b\w+\s)?)(?:'([^'\n]{0,1000})'|"([^"\n]{0,1000})")/g;
// A quote never closed on its line (a truncated HTML page in a JSON parse error) runs to the end.
const UNCLOSED_QUOTE = /"[^"\n]*$/;
// Digits included: 'address2', 's3Client', "v2_orders", "users_email_key1" are names, not values.
const IDENTIFIER = /^[A-Za-z_$][\w$.:-]{0,60}$/;
// But an id joined to its kind is a value: 'user_4821', "tmp_import_98123", 'cart:u9f8e7d6' (one issue
// per id otherwise). A year is not one: "audit_log_2024" is a yearly partition, a name in the schema,
// and few enough that keeping it costs an issue a year, while '<str>' would join a missing partition
// with any other missing table of a generated name.
const JOINED_NUMBER = /[_:.-](?!(?:19|20)\d\d$)\d{3,}$/;
// Parts of six characters or more only: 'v2', 'key1' are too short to tell, and are names.
const RANDOM_PART_CHARS = 6;

function isName(value: string): boolean {
  if (!IDENTIFIER.test(value) || JOINED_NUMBER.test(value)) return false;
  return !value.split(/[_:.$-]/).some((part) => part.length >= RANDOM_PART_CHARS && looksRandom(part, false));
}
// npm names ('@aws-sdk/client-s3', 'lodash/fp') and relative modules ('./config.json'); not absolute
// paths, which hold a deployment's directory.
const MODULE = /^(?:(?:@[\w.-]+\/)?[A-Za-z_$][\w.-]*(?:\/[\w.-]+)*|\.{1,2}\/[\w./-]+)$/;
const NAMES_CODE =
  /^(?:reading|setting|property|properties|attribute|column|relation|table|constraint|index|key|field|variable|function|method|type|class|argument|parameter|option|header|sequence|schema|view|trigger|role|path|model|collection)\s$/i;
const NAMES_MODULE = /^(?:module|package)\s$/i;
// A quoted file path holds a tenant's or a user's directory and an upload's name; its extension says
// what kind of file was missing (a config, a template, an upload), and stays: '<path>.json'.
const PATH = /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\).*?(?:\.([A-Za-z][A-Za-z0-9]{0,7}))?$/;
const KEPT_PLACEHOLDER = /^<(?:tmp|url|email|jwt)>$|^<(?:host|ip)>(?::\d+)?$/;

/**
 * Replaces volatile values (ids, numbers, hosts, IPs, emails, UUIDs, ULIDs, JWTs, hex and random ids,
 * dates and times, durations, sizes, quoted values, pod names, temp and home paths) with
 * placeholders. About thirty patterns run over the text: what they make of a short one is
 * remembered, as fingerprinting meets the same messages again and again in a storm.
 */
export const parameterize: (text: string) => string = rememberStrings(parameterizeText, SHORT_LINES);

function parameterizeText(text: string): string {
  let out = text;
  for (const [pattern, replacer] of REPLACEMENTS) {
    out = typeof replacer === 'string' ? out.replace(pattern, replacer) : out.replace(pattern, replacer);
  }
  out = out.replace(QUOTED, (match, word: string, single?: string, double?: string) => {
    const value = single ?? double ?? '';
    if (NAMES_CODE.test(word) && isName(value)) return match;
    if (NAMES_MODULE.test(word) && MODULE.test(value) && value.length <= 100) return match;
    if (KEPT_PLACEHOLDER.test(value)) return match;
    const quote = single !== undefined ? "'" : '"';
    const path = PATH.exec(value);
    if (path) return `${word}${quote}<path>${path[1] ? `.${path[1]}` : ''}${quote}`;
    return `${word}${quote}<str>${quote}`;
  });
  if ((out.match(/"/g)?.length ?? 0) % 2 === 1) out = out.replace(UNCLOSED_QUOTE, '"<str>');
  return out.replace(/\s+/g, ' ').trim();
}
