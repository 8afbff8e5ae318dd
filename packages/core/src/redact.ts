import { rememberStrings } from './remember-strings.js';
import type { TriageEvent } from './types.js';

/** Field names whose values are always secret (Sentry's default denylist), matched as substrings. */
export const SENSITIVE_KEYS = [
  'password',
  'secret',
  'passwd',
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'auth',
  'credentials',
  'mysql_pwd',
  'stripetoken',
  'privatekey',
  'private_key',
  'token',
  'session',
  'cookie',
] as const;

export interface CustomPattern {
  pattern: RegExp | string;
  /** Defaults to `[redacted]`. */
  replacement?: string;
}

export interface RedactOptions {
  /** `public` (default) keeps loopback and private-range addresses, which diagnose infrastructure. */
  ipAddresses?: 'all' | 'public' | 'none';
  /** Extra field names treated as secret. */
  keys?: readonly string[];
  patterns?: readonly CustomPattern[];
  /**
   * How many distinct short strings (up to 256 characters) to remember with their redacted form, so a
   * value that repeats from event to event is redacted once (default 4,096; 0 remembers none). They
   * are kept in memory, unredacted as they came, until forgotten.
   */
  remember?: number;
}

/** Objects nested deeper than this in an event are replaced by TOO_DEEP (ingest refuses bodies past 64). */
const MAX_DEPTH = 64;
const TOO_DEEP = '[nested too deep]';
const CIRCULAR = '[Circular]';
const UNREADABLE = '[Unreadable]';

export interface Redactor {
  text(text: string): string;
  /**
   * A redacted deep copy of the event that JSON can write: no string in it escapes `text()`, no secret
   * key keeps its value; cycles, BigInts, values past 64 levels and unreadable values become markers.
   */
  event(event: TriageEvent): TriageEvent;
}

interface Rule {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
  /**
   * A cheap test the text must pass before the full pattern runs: most log lines hold no secret,
   * and a substring or tiny regex rejects them several times faster than the pattern would.
   */
  hint?: RegExp;
}

const rule = (pattern: RegExp, replacement: string | Rule['replace'], hint?: RegExp): Rule => ({
  pattern,
  replace: typeof replacement === 'string' ? () => replacement : replacement,
  hint,
});

// Order matters: whole structures (PEM blocks, JWTs, URLs with credentials) before the pieces they contain.
const BASE_RULES: Rule[] = [
  rule(
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '[private_key]',
    /PRIVATE KEY/,
  ),
  rule(/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[jwt]', /eyJ/),
  rule(
    /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:@/]{1,100}):([^\s@/]{1,200})@/gi,
    (_m, scheme, user) => `${scheme}${user}:[secret]@`,
    /:\/\/[^\s]*@/,
  ),
  // Provider keys by their published shapes.
  rule(/\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g, '[aws_key]', /A(?:KI|SI|GP|ID|RO)A/),
  rule(
    /\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b/g,
    '[github_token]',
    /gh[pousr]_|github_pat_/,
  ),
  rule(/\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b/g, '[stripe_key]', /_(?:live|test)_/),
  rule(/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, '[slack_token]', /xox/),
  rule(/https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, '[slack_webhook]', /hooks\.slack/),
  rule(/\bAIza[0-9A-Za-z_-]{35}\b/g, '[google_key]', /AIza/),
  rule(/\bsk-ant-[A-Za-z0-9_-]{20,}/g, '[anthropic_key]', /sk-ant-/),
  rule(/\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, '[openai_key]', /sk-/),
  rule(/\bgsk_[A-Za-z0-9]{20,}\b/g, '[groq_key]', /gsk_/),
  rule(/\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b/g, '[sendgrid_key]', /SG\./),
  rule(/\b(?:sk|pk|dmt|key|api)_[A-Za-z0-9]{20,}\b/g, '[api_key]', /(?:sk|pk|dmt|key|api)_/),
  // After the known shapes, so a known key after "Bearer" keeps its typed placeholder.
  rule(
    /\b(Bearer|Basic|Digest)(\s+)(?!\[)[A-Za-z0-9._~+/=-]{8,}/gi,
    (_m, kind, space) => `${kind}${space}[secret]`,
    /bearer|basic|digest/i,
  ),
  // Starts only where a run of local-part characters starts, and takes the whole run: from `\b`, a
  // line with an `@` and a long run of dots, dashes or digits (`1.2.3…`) was read again up to 64
  // characters from every boundary in it, 0.3 ms per KiB (bench/README.md, "Redacting pathological
  // lines"). A local part longer than 64 characters is now redacted whole rather than in part.
  rule(/(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}\b/g, '[email]', /@/),
];

/** Strings up to this length have their redaction remembered (see `text` in createRedactor). */
const MEMO_MAX_LENGTH = 256;
/** Distinct strings remembered per redactor by default: with their redacted forms, a few MiB at most. */
const MEMO_ENTRIES = 4_096;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A UUID without its dashes: the form of Sentry's event ids. */
const HEX_UUID = /^[0-9a-f]{32}$/i;
// Not the fraction of a decimal number (`"responseTime":31.4111111111111111` is a time, not a card).
const CARD = /(?<!\d\.)\b(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|3[47]\d{2}|6(?:011|5\d{2}))(?:[ -]?\d){9,15}\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const PHONE =
  /(?<![\w+.:/-])(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.:-])|(?<![\w.:/-])\+\d{10,14}\b/g;
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
const IPV6 =
  /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:?){1,6}(?![\w:])/gi;

/**
 * Compiles a redactor once (at setup, not per event). Placeholders are typed
 * (`[email]`, `[card]`, `[secret]`, …) so the diagnosis still knows what was there;
 * UUIDs, hashes, timestamps, ports, durations and stack frames are left alone.
 */
export function createRedactor({
  ipAddresses = 'public',
  keys = [],
  patterns = [],
  remember = MEMO_ENTRIES,
}: RedactOptions = {}): Redactor {
  const sensitive = [...SENSITIVE_KEYS, ...keys].map((key) => key.toLowerCase());
  const keyAlternatives = sensitive.map(escapeRegExp).join('|');
  // A key is a whole run of name characters holding a sensitive word (`db.password`, `X-Auth-Token`).
  // It starts only where such a run starts: tried from every character, as before, a line holding
  // one of the words and a long run of name characters took up to 2 ms per KiB (bench/README.md,
  // "Redacting pathological lines"). What precedes the word is no longer limited to 40 characters.
  const keyValue = new RegExp(
    `(?<![\\w.-])(["']?)([\\w.-]*(?:${keyAlternatives})[\\w.-]{0,40})\\1(\\s{0,3}[=:]\\s{0,3})("[^"\\n]*"|'[^'\\n]*'|(?:Bearer|Basic)\\s+\\S+|[^\\s,;&}\\]"']+)`,
    'gi',
  );
  const rules: Rule[] = [
    ...patterns.map(({ pattern, replacement = '[redacted]' }) =>
      rule(typeof pattern === 'string' ? new RegExp(pattern, 'g') : withGlobal(pattern), replacement),
    ),
    ...BASE_RULES,
    rule(
      keyValue,
      (_m, quote, key, separator, value) =>
        /\[[a-z_]+\]/.test(value)
          ? `${quote}${key}${quote}${separator}${value}`
          : `${quote}${key}${quote}${separator}${quoteLike(value)}`,
      new RegExp(keyAlternatives, 'i'),
    ),
    rule(CARD, (match) => (luhn(match.replace(/\D/g, '')) ? '[card]' : match), /\d{4}/),
    rule(IBAN, (match) => (ibanValid(match) ? '[iban]' : match), /[A-Z]{2}\d{2}/),
    rule(PHONE, '[phone]', /\d{3}[ .-]\d{3}|\+\d{10}/),
  ];
  if (ipAddresses !== 'none') {
    rules.push(
      rule(IPV4, (match) => (ipAddresses === 'all' || !isPrivateIpv4(match) ? '[ip]' : match), /\d\.\d/),
    );
    rules.push(
      rule(
        IPV6,
        (match) => (ipAddresses === 'all' || !isPrivateIpv6(match) ? '[ip]' : match),
        // What every address the pattern takes holds: a `::`, or the four colons of seven. A time of day
        // (`10:00:00`) is neither; with `h:h:`, the hint before, nearly every log line ran the pattern,
        // a fifth of redacting a line.
        /::|:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:/i,
      ),
    );
  }

  // Field names repeat from event to event: remember the verdict for the first few thousand seen.
  const keyVerdicts = new Map<string, boolean>();
  const isSensitiveKey = (key: string) => {
    let verdict = keyVerdicts.get(key);
    if (verdict === undefined) {
      const lower = key.toLowerCase();
      verdict = sensitive.some((candidate) => lower.includes(candidate));
      if (keyVerdicts.size < 5_000) keyVerdicts.set(key, verdict);
    }
    return verdict;
  };

  // Every hint in two scans (the case-sensitive ones, then the few that fold case): most strings of
  // an event (levels, names, paths) pass none, and two scans reject them where a test per rule took
  // twenty. A string they let through still meets each rule's own hint.
  const unionOf = (hints: RegExp[], flags: string) =>
    hints.length > 0 ? new RegExp(hints.map((hint) => `(?:${hint.source})`).join('|'), flags) : undefined;
  const hints = rules.flatMap(({ hint }) => (hint ? [hint] : []));
  const caseSensitive = unionOf(
    hints.filter((hint) => !hint.ignoreCase),
    '',
  );
  const caseFolding = unionOf(
    hints.filter((hint) => hint.ignoreCase),
    'i',
  );
  const anyHint = (input: string) =>
    (caseSensitive?.test(input) ?? false) || (caseFolding?.test(input) ?? false);
  const unhinted = rules.filter((candidate) => !candidate.hint);

  const apply = (out: string, { pattern, replace }: Rule): string => {
    pattern.lastIndex = 0;
    return out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  };

  const redactText = (input: string): string => {
    let out = input;
    if (!anyHint(input)) {
      for (const candidate of unhinted) out = apply(out, candidate);
      return out;
    }
    for (const candidate of rules) {
      if (candidate.hint && !candidate.hint.test(out)) continue;
      out = apply(out, candidate);
    }
    return out;
  };

  // The strings of an event repeat from one event to the next: service, release and environment names,
  // file paths, function names, tag values, and under an error storm the error line itself. The verdict
  // on a short string is remembered (bounded: forgotten all at once when full), so the rules run once
  // per distinct string, not once per event. Long strings (stack dumps, request bodies) rarely repeat
  // and would make the memo large. It lives in memory only, like the event being redacted.
  const remembered =
    remember > 0
      ? rememberStrings(redactText, { maxLength: MEMO_MAX_LENGTH, entries: remember })
      : redactText;
  const ids = patterns.length === 0;
  const text = (input: string): string => {
    // Ids are UUIDs, with or without dashes (a Sentry SDK's event_id); one holds nothing the built-in
    // rules redact, their hex digits would wake half the hints, and each event's own would only crowd
    // the memo (with a fresh id per request, `text` and the rules took 2.6 µs of each envelope's
    // ingest, 0.9 without it: `ENDPOINT=envelope node bench/ingest-profile.mjs`, one run each). An
    // application's own patterns may mean to catch such a string (its keys in hex): with them, every
    // string is read.
    if (ids && ((input.length === 36 && UUID.test(input)) || (input.length === 32 && HEX_UUID.test(input))))
      return input;
    return remembered(input);
  };

  // A deep copy that JSON can write, whatever the application logged: past MAX_DEPTH, a reference to an
  // object being copied (a cycle), a value whose getters throw, each becomes a marker. Before, a value
  // nested past 20 levels was kept as it was, unredacted (an email 25 levels down in a field was
  // stored and served as sent), and a logged object with a cycle reached the outbox as is: the alert
  // failed to serialize.
  const ancestors: object[] = [];
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_DEPTH) return TOO_DEEP;
    if (ancestors.includes(value)) return CIRCULAR;
    ancestors.push(value);
    try {
      if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
      // What JSON would write for it: a Date its ISO text, not the {} of its (absent) own keys.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1);
      const copy: Record<string, unknown> = {};
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const inner = (value as Record<string, unknown>)[key];
        // A normalized event names every optional field; the absent ones are left out of the copy.
        if (inner === undefined) continue;
        copy[key] =
          typeof inner === 'string' && inner !== '' && isSensitiveKey(key)
            ? '[secret]'
            : walk(inner, depth + 1);
      }
      return copy;
    } catch {
      // A proxy or a getter that throws: what it holds cannot be read, so nothing of it is kept.
      return UNREADABLE;
    } finally {
      ancestors.pop();
    }
  };

  return { text, event: (event) => walk(event, 0) as TriageEvent };
}

function quoteLike(value: string): string {
  if (value.startsWith('"')) return '"[secret]"';
  if (value.startsWith("'")) return "'[secret]'";
  return '[secret]';
}

function withGlobal(pattern: RegExp): RegExp {
  return pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** Luhn checksum: tells a card number from any other long digit run. */
export function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 check. */
function ibanValid(candidate: string): boolean {
  const compact = candidate.replace(/ /g, '');
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

function isPrivateIpv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

function isPrivateIpv6(ip: string): boolean {
  const lower = ip.toLowerCase();
  return lower === '::1' || lower.startsWith('fe80:') || lower.startsWith('fc') || lower.startsWith('fd');
}
