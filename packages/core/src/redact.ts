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

/**
 * Key names (lowercased, without `_`, `-` and `.`) whose value is secret whatever it is: a number, an
 * array or an object under one is `[secret]` whole. Under other keys holding a sensitive word, only
 * strings are (see `isSecretWhole`).
 */
const STRONG_KEYS = [
  'password',
  'passwd',
  'secret',
  'apikey',
  'accesstoken',
  'credentials',
  'cookie',
  'cookies',
  'privatekey',
  'token',
  'auth',
  'authorization',
  'mysqlpwd',
  'stripetoken',
  'pin',
  'cvv',
  'cvc',
];

/**
 * Keys that name a card: a 13–19-digit Luhn-valid number is taken for one only under them. `pan` only
 * as a word of the name (`pan`, `card_pan`), not inside one (`spanId`, `companyId`).
 */
const CARD_KEY = /card|(?:^|[^a-z])pan(?:$|[^a-z])|ccnum|cc_number/;

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
  // The user may be empty (`redis://:pass@host`, Redis' and AMQP's usual form). The password runs to
  // the last `@` before the host: one written with a raw `@` (`:p@ss@host`) kept what followed its
  // first `@`. It may hold `?` and `#` (`app:p#ss@db`, kept whole since d73d7e7), with `@` too (the
  // first alternative: `:p@ss#word@cache` showed `ss#word`); the host after its last `@` holds none.
  // Not a `?` or `#` part with `=` or `&` (`user:pw@host?next=a@b.com`: a query string's email is no
  // host), nor one after a port (`host:8080?next=a@b.com`). Each alternative reads at most 1,300
  // characters from a `://`.
  rule(
    /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:@/]{0,100}):((?!\d{1,5}[?#])[^\s/?#]{0,200}(?:[?#][^\s/?#=&]{0,200}){0,4}(?=@[^\s/?#@]{1,253}(?:[\s/?#]|$))|[^\s/?#]{1,200}(?=@)|(?!\d{1,5}[?#])[^\s/?#@]{0,200}(?:[?#][^\s/?#@]{0,200}){1,4})@/gi,
    (_m, scheme, user) => `${scheme}${user}:[secret]@`,
    // Up to a `/`, as the pattern: `[^\s]*` read to the end of the line from every `://`, so a long
    // line of them without an `@` took quadratic time (100 KB of `redis://:` took 0.7 s in a helper's script).
    /:\/\/[^\s@/]*@/,
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
    // Not Digest's first parameter (`username="bob"`): the header rule takes its list whole.
    /\b(Bearer|Basic|Digest)(\s+)(?!\[|[\w-]+=")[A-Za-z0-9._~+/=-]{8,}/gi,
    (_m, kind, space) => `${kind}${space}[secret]`,
    /bearer|basic|digest/i,
  ),
  // Starts only where a run of local-part characters starts, and takes the whole run: from `\b`, a
  // line with an `@` and a long run of dots, dashes or digits (`1.2.3…`) was read again up to 64
  // characters from every boundary in it, 0.3 ms per KiB (bench/README.md, "Redacting pathological
  // lines"). A local part longer than 64 characters is now redacted whole rather than in part.
  // Letters are any script's, accents composed or not (`josé@exämple.com` passed whole), and the `@` may come percent-encoded
  // (`?email=alice%40example.com`, `/users/alice%40example.com/reset`), as URLs and query strings
  // carry it.
  rule(
    /(?<![\p{L}\p{M}\p{N}._%+-])[\p{L}\p{M}\p{N}._%+-]+(?:@|%40)[\p{L}\p{M}\p{N}.-]{1,253}\.\p{L}{2,}(?![\p{L}\p{M}\p{N}_])/gu,
    '[email]',
    /@|%40/,
  ),
];

/**
 * The typed placeholders of the built-in rules. A value under a secret key that is one of them alone
 * is left as it is (`token=[jwt]` says more than `token=[secret]`); one that holds one among other
 * text is a secret whole: `"Summer2024! (sent by [email])"` kept the password around its email.
 */
const PLACEHOLDERS = [
  'secret',
  'redacted',
  'email',
  'card',
  'iban',
  'phone',
  'ip',
  'jwt',
  'private_key',
  'aws_key',
  'github_token',
  'stripe_key',
  'slack_token',
  'slack_webhook',
  'google_key',
  'anthropic_key',
  'openai_key',
  'groq_key',
  'sendgrid_key',
  'api_key',
].join('|');
/**
 * Authorization schemes, kept before `[secret]` in an Authorization header or a secret key's value
 * (`Authorization: Token [secret]`): the scheme names how the caller authenticated, which diagnoses.
 * Any other first word of an Authorization header's value is taken for the credential itself.
 */
const AUTH_SCHEMES =
  'Bearer|Basic|Digest|Token|ApiKey|Api-Key|Negotiate|NTLM|OAuth|DPoP|HOBA|Mutual|SSWS|SharedKey|AWS4-HMAC-SHA256|SCRAM-SHA-256|SCRAM-SHA-1|vapid|Hawk|GoogleLogin';
const PLACEHOLDER_ONLY = new RegExp(`^(?:(?:${AUTH_SCHEMES})\\s+)?\\[(?:${PLACEHOLDERS})\\]$`, 'i');
const CANONICAL_SCHEMES = new Set(AUTH_SCHEMES.split('|'));
const LEADING_SCHEME = new RegExp(`^(?:${AUTH_SCHEMES})(?=\\s)`, 'i');
/** A value that opens an array or object (a placeholder is none: `[secret]`). */
const STRUCTURE = new RegExp(`^(?:\\{|\\[(?!(?:${PLACEHOLDERS})\\]))`);
const HEADER_NAME = /^(?:(?:set-)?cookie|(?:proxy-)?authorization)$/i;
const KNOWN_SCHEME = new RegExp(`^(?:${AUTH_SCHEMES})$`, 'i');

/** A cookie's `name=value` (RFC 6265: no space, quote, comma, semicolon or backslash in the value). */
const COOKIE_PAIR = String.raw`[\w!#$%&*+.^|~-]+=(?:"[^\s;",'\\]*"|(?:[^\s;",'\\]|\\(?!["']))*)`;
/** Set-Cookie's attributes that are no pair (`Expires` holds a comma and spaces). */
const COOKIE_ATTRIBUTE = String.raw`Expires=[A-Za-z]{3}, \d{2}[ -][A-Za-z]{3}[ -]\d{4} \d{2}:\d{2}:\d{2} GMT|(?:HttpOnly|Secure|Partitioned)(?![^\s;"'])`;
/** A credential: base64, hex, a JWT, a token; never a quote, bracket, comma or semicolon. */
const CREDENTIAL = String.raw`[^\s"'\`,;()[\]{}<>]+`;
/** An auth-param list (Digest's and AWS's `name="value", name=value`): secret whole. */
const AUTH_PARAMS = String.raw`[\w-]+=(?:"(?:[^"\\\n]|\\.)*"|[^\s,"]*)(?:,[ \t]*[\w-]+=(?:"(?:[^"\\\n]|\\.)*"|[^\s,"]*))*`;

/**
 * Headers. A Cookie's value is its `name=value` pairs, separated by `;` (Set-Cookie's flags among
 * them): it ends at the first token that is no pair, at a quote (`msg="Cookie: sid=abc" level=…`),
 * at the end of the line. An Authorization's is a scheme and one credential (`Token abc123`, the
 * scheme kept) or a scheme's parameters (Digest's, secret whole), or a credential alone. Until
 * 2026-12-07 each took the rest of its line: `WARN Authorization: token expired for user 42,
 * request_id=… path=…` kept `WARN Authorization: token [secret]`, and a curl command its URL no more.
 * Which words are a credential, `replaceHeader` tells. Any whitespace may follow the colon. A value
 * that opens with a quote or a bracket is left to the key=value rule, which reads it whole.
 */
const HEADER = new RegExp(
  String.raw`(?<![\w.-])(?:((?:set-)?cookie)(\s{0,3}:[ \t]*)(${COOKIE_PAIR}(?:;[ \t]*(?:${COOKIE_ATTRIBUTE}|${COOKIE_PAIR}))*)|((?:proxy-)?authorization)(\s{0,3}:[ \t]*)(?![\s"'[{])(${CREDENTIAL})(?:([ \t]+)(${AUTH_PARAMS}|${CREDENTIAL}))?)`,
  'gi',
);

/**
 * A word that reads as a credential, not prose: with a digit, a capital after its first letter or a
 * symbol of base64 or of a token (`abc123`, `Zm9vOmJhcg==`, `abc.def`); or 16 characters and more.
 */
const looksLikeCredential = (word: string): boolean => word.length >= 16 || /\d|.[A-Z]|[._~+/=:-]/.test(word);

const replaceHeader = (
  match: string,
  cookie: string | undefined,
  cookieSeparator: string,
  _pairs: string,
  name: string,
  separator: string,
  first: string,
  space: string | undefined,
  second: string | undefined,
): string => {
  if (cookie !== undefined) return `${cookie}${cookieSeparator}[secret]`;
  if (PLACEHOLDER_ONLY.test(first)) return match;
  const known = KNOWN_SCHEME.test(first);
  // A credential alone (`authorization: 9f8e7d6c5b4a39281706 (from cache)`): long, letters and digits.
  if (!known && first.length >= 16 && /\d/.test(first) && /[a-z]/i.test(first))
    return `${name}${separator}[secret]${match.slice(name.length + separator.length + first.length)}`;
  // `Token abc123`, `Digest username="bob", …`: the scheme is kept. `token expired`: prose.
  if (
    second !== undefined &&
    (known || /^[a-z][a-z-]{0,30}$/i.test(first)) &&
    !PLACEHOLDER_ONLY.test(second) &&
    (/^[\w-]+=/.test(second) || looksLikeCredential(second))
  )
    return `${name}${separator}${first}${space}[secret]`;
  return match;
};

/** Strings up to this length have their redaction remembered (see `text` in createRedactor). */
const MEMO_MAX_LENGTH = 256;
/** Distinct strings remembered per redactor by default: with their redacted forms, a few MiB at most. */
const MEMO_ENTRIES = 4_096;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A UUID without its dashes: the form of Sentry's event ids. */
const HEX_UUID = /^[0-9a-f]{32}$/i;
/**
 * Card prefixes (IIN ranges): Visa 4; Mastercard 51–55 and 2221–2720; Maestro 50, 56–58 and 6; Amex
 * 34, 37; Diners 300–305, 309, 36, 38, 39; JCB 35; Discover 6011, 644–649, 65; UnionPay 62; Mir
 * 2200–2204; RuPay 60. Numbers starting otherwise (epoch times start with 1) are left to be what they are.
 */
const CARD_PREFIX = String.raw`(?:4\d{3}|5[0-8]\d{2}|2[2-7]\d{2}|3(?:0[0-59]|[4-9]\d)\d|6\d{3})`;
// Not the fraction of a decimal number (`"responseTime":31.4111111111111111` is a time, not a card).
const CARD = new RegExp(String.raw`(?<!\d\.)\b${CARD_PREFIX}(?:[ -]?\d){9,15}\b`, 'g');
/** A number (not text) that is a card: `{"card": 4111111111111111}` as JSON carries it. */
const CARD_DIGITS = new RegExp(String.raw`^${CARD_PREFIX}\d{9,15}$`);
/**
 * IBAN length by country (SWIFT's IBAN registry, and the countries that use IBANs outside it): the
 * candidate is cut to its country's length before the mod-97 check, so a word written after it
 * (`BE68539007547034 EUR`, `BE68 5390 0754 7034 FROM`) no longer makes the check fail.
 */
const IBAN_LENGTHS = new Map(
  `
  AD24 AE23 AL28 AO25 AT20 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BR29 BY28 CF27 CG27 CH21 CI28
  CM27 CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GA27 GB22
  GE22 GI23 GL18 GQ27 GR27 GT28 GW25 HN28 HR21 HU28 IE22 IL23 IQ23 IR26 IS26 IT27 JO30 KM27 KW30
  KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MA28 MC27 MD24 ME22 MG27 MK19 ML28 MN20 MR27 MT31 MU30
  MZ25 NE28 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19
  SK24 SM27 SN28 SO23 ST25 SV28 TD27 TG28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30
`
    .trim()
    .split(/\s+/)
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);
// Any case (`be68 5390 …` passed): the country list and the length keep ordinary words out.
const IBAN = new RegExp(
  String.raw`\b(?:${[...IBAN_LENGTHS.keys()].join('|')})\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`,
  'gi',
);
/**
 * North American numbers (`415-555-2671`, `(415) 555-2671`, `415.555.2671`), and international ones
 * written with a leading `+`: a country code of 1 to 3 digits not starting with 0, then the number
 * whole (`+442079460958`) or in groups split by one space or dash, one group possibly in parentheses
 * (`+44 20 7946 0958`, `+49 (0)30 1234567`, `+1-555-123-4567`); 8 to 15 digits in all (E.164), which
 * `phoneDigits` counts. No dot: `lat=+37.7749295`, `+10.20.30.40` and `+0.12345678` are no phones.
 * Groups after the first hold 2 digits at least (`counts: +5 12 8 33` is a list). After `:`, `/` or
 * `=` (`tel:+1…`, `/users/+49…/verify`, `phone=+48…`), and before a full stop that ends a sentence.
 * Every group starts with a separator, so a run of digits splits one way only.
 */
const PHONE =
  /(?<![\w+.:/-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.:-])|(?<![\w+.-])\+[1-9](?:\d{7,14}|\d{0,2}(?:[ -]?\(\d{1,4}\)\d{0,10}|[ -]\d{1,10})(?:[ -]\d{2,10}(?!\d)){0,6})(?![\w+]|[.:-]\d)/g;
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
const IPV6 =
  /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:?){1,6}(?![\w:])/gi;

/** A JSON or JavaScript string, escaped quotes included (`"a\"b"` was cut at its `\"`). */
const DOUBLE_QUOTED = String.raw`"(?:[^"\\\n]|\\.)*"`;
const SINGLE_QUOTED = String.raw`'(?:[^'\\\n]|\\.)*'`;
/**
 * A string inside a string (`\"hunter2\"`): up to the quote escaped as its opening one is, so a
 * quote escaped deeper inside it (`\\\"`) does not end it.
 */
const ESCAPED_QUOTED = String.raw`(?<escapes>\\{1,7})"[^\n]*?(?<!\\)\k<escapes>"`;
/** An unquoted value: up to a separator, placeholders included whole (`[email]` has a `]`). */
const UNQUOTED = String.raw`(?:[^\s,;&}\]"'[]|\[(?:(?:${PLACEHOLDERS})\])?)+`;
/**
 * An array or object, two levels deep (`token: ["abc"]`, `credentials: {user: 'bob', pass: 'x'}`),
 * on one line or several. Each alternative inside starts with a different character, so the text
 * is read once. One that does not close takes the rest of its line.
 */
const ATOM = String.raw`\\[\s\S]|${DOUBLE_QUOTED}|${SINGLE_QUOTED}|[^[\]{}"'\\]`;
const BRACKETED = String.raw`[[{](?:${ATOM}|[[{](?:${ATOM})*[\]}])*[\]}]|[[{][^\n]*`;
/** What follows a secret key's separator: a string, `Scheme credential`, a structure, or a word. */
const SECRET_VALUE = [
  DOUBLE_QUOTED,
  SINGLE_QUOTED,
  ESCAPED_QUOTED,
  String.raw`(?:${AUTH_SCHEMES})\s+${UNQUOTED}`,
  // A placeholder first, so that `[email]` is not read as an array.
  String.raw`\[(?:${PLACEHOLDERS})\](?:${UNQUOTED})?`,
  BRACKETED,
  UNQUOTED,
].join('|');

/** Extensions of the files a program reads: settings, keys and certificates, data, logs. */
const FILE_EXTENSIONS =
  'ya?ml|json5?|toml|ini|conf|cfg|env|properties|xml|txt|log|pem|key|crt|cer|der|csr|pub|p12|pfx|jks|keystore|gpg|asc|db|sqlite3?|lock|pid|sock|bak';
/** Extensions of source files, whose names a stack frame prints with a line (`auth.js:10:5`). */
const SOURCE_EXTENSIONS =
  '[cm]?[jt]sx?|py|rb|go|java|kt|scala|groovy|php|cs|fs|vb|rs|swift|dart|ex|exs|erl|c|cc|cpp|h|hpp|m|vue|svelte';
/**
 * A Windows directory before a file's name: from a drive, a share or `.`, its `\` doubled in JSON.
 * Not any `\`: in a JSON string, `\npassword: …` is a key after an escaped newline.
 */
const WINDOWS_DIRECTORY = String.raw`(?:^|[\s"'(=])(?:[A-Za-z]:|\.{1,2})?(?:\\{1,2}[^\s\\"':]+)*\\{1,2}`;
/** Where a key ends, a file's name ends: a path's last segment, or a word with a file's extension. */
const FILE_NAME_BEHIND = String.raw`\.(?:${FILE_EXTENSIONS}|${SOURCE_EXTENSIONS})|\/[\w.-]+|${WINDOWS_DIRECTORY}[\w.-]+`;
/**
 * What may follow an error's code or a frame's line where the value ends there: a separator, a
 * quote (escaped in JSON inside JSON), the end, or before one of those a `:` or `)` (`EACCES:
 * permission denied`, `(auth.ts:41:13)`). Not `-`, `.`, `_`, `!` or more name characters: `EOF-9f8a…`
 * and `Missing.Link.99` are passwords, and the value runs to a separator, `:` and `)` included.
 */
const VALUE_END = String.raw`[:)]{0,3}(?:[\s,;]|\\{0,7}["']|$)`;
/** An errno code (Node's and libc's names, Go's EOF) after a file's name and `: `, as a word. */
const ERRNO_CODE = `E(?:NOENT|ACCES|PERM|ISDIR|NOTDIR|EXIST|MFILE|NFILE|LOOP|NAMETOOLONG|ROFS|BUSY|NOSPC|IO|INVAL|AGAIN|NOTEMPTY|BADF|FBIG|XDEV|TXTBSY|OF)(?=${VALUE_END})`;
/**
 * The system's message, or the first words of a parser's or a loader's, after a file's name and
 * `: `. Prose: more words follow (`invalid YAML`, `no such file or directory`), or the line or the
 * string ends. A word alone before `-`, `.` or `!` is a password's start (`Invalid-Pa55word!`).
 */
const FILE_ERROR_WORDS = String.raw`(?:${[
  'no such|not (?:a directory|found|permitted)|(?:permission|access(?: is)?) denied|is a directory',
  'file (?:exists|not found|name too long|too large)|too many (?:open files|levels)|read-only file system',
  'no space left|input/output error|directory not empty|device or resource busy|operation not permitted',
  'the system cannot|(?:yaml|json|toml|xml|ini):|invalid|unexpected|cannot|can not|could not|unable to',
  'failed to|missing|syntax error|parse error',
].join('|')})(?=[,;:)]{0,3}(?:[ \t]{1,3}\S|[ \t]{0,3}(?:[\r\n]|\\{0,7}["']|$)))`;
/**
 * A line in a source file as a stack frame prints it: with a column (Node's `auth.ts:41:13`, a
 * compiler's `auth.c:12:5:`), in parentheses (Java's `(Auth.java:88)`), before Go's `+0x1d` or
 * Ruby's `:in`. A bare `auth.go:1234567` or `secret.c:123456` may be a PIN, and stays secret.
 */
const FRAME_LINE = String.raw`\d{1,7}(?::\d{1,7}(?=${VALUE_END})|(?=\)${VALUE_END}| \+0x[\da-f]|:in\s))`;
/**
 * A file's name where a key would be (`cannot open /etc/app/secrets.yaml: ENOENT`, `load token.json:
 * EACCES`, Go's `open /run/secrets/token: permission denied`, a frame's `(/app/src/session.ts:41:13)`)
 * names no secret: what follows is an error about the file or a line in it, and was `[secret]`, so a
 * diagnosis read "Unrecognized error". Only those: what grep prints of a secret's file
 * (`/run/secrets/db_password:hunter2`), a setting named like a file (`play.http.secret.key=…`,
 * `secret.key: abc123`), and a value starting like an error or a line (`secret.key: Invalid-Pa55word!`,
 * `token.env: EOF-9f8a7b6c`, `secret.c:123456`) stay secret.
 */
const FILE_NOT_KEY = String.raw`(?<=(?:${FILE_NAME_BEHIND})\s{0,3}:\s{1,3})(?:${ERRNO_CODE}|${FILE_ERROR_WORDS})|(?<=\.(?:${SOURCE_EXTENSIONS}):)${FRAME_LINE}`;

const replaceKeyValue = (match: string, quote: string, key: string, separator: string, value: string) => {
  const opening = /^\\*["']/.exec(value)?.[0];
  // A header written `Name: value` is the header rule's, which knows a credential from prose
  // (`Authorization: denied for user 42`); a quoted or bracketed value, or `=`, is this rule's.
  if (!quote && !opening && !STRUCTURE.test(value) && HEADER_NAME.test(key) && !/[=>]/.test(separator))
    return match;
  if (PLACEHOLDER_ONLY.test(opening ? value.slice(opening.length, -opening.length) : value)) return match;
  const scheme = opening ? undefined : LEADING_SCHEME.exec(value)?.[0];
  // Under another key than an Authorization, a word such as "token" in lower case is more likely
  // prose than a scheme (`auth: token rejected`): the first word only is the value, as before.
  if (
    scheme &&
    !CANONICAL_SCHEMES.has(scheme) &&
    !/^(?:bearer|basic)$/i.test(scheme) &&
    !/authorization/i.test(key)
  )
    return `${quote}${key}${quote}${separator}[secret]${value.slice(scheme.length)}`;
  const secret = opening ? `${opening}[secret]${opening}` : scheme ? `${scheme} [secret]` : '[secret]';
  return `${quote}${key}${quote}${separator}${secret}`;
};

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
  // An application's own keys are taken for secret names whole, as the strong ones are.
  const strong = new Set([...STRONG_KEYS, ...keys.map((key) => key.toLowerCase().replace(/[-_.]/g, ''))]);
  const keyAlternatives = sensitive.map(escapeRegExp).join('|');
  // A key is a whole run of name characters holding a sensitive word (`db.password`, `X-Auth-Token`),
  // or a bracketed one after a name (`user[password]`, Rails' and PHP's form parameters; not a line's
  // `[auth]:` tag). It starts only where such a run starts: tried from every character, as before, a
  // line holding one of the words and a long run of name characters took up to 2 ms per KiB
  // (bench/README.md, "Redacting pathological lines"). What precedes the word is no longer limited
  // to 40 characters. Its quote may be escaped (`{\"password\":\"hunter2\"}`, JSON inside a JSON
  // string), and `=>` separates it too (a Ruby hash). A file's name followed by an error is none
  // (see FILE_NOT_KEY), told after the separator: before it, at every end a long run of name
  // characters offers the key, its lookbehinds read the run back (0.2 MB/s on such lines).
  const keyValue = new RegExp(
    String.raw`(?<![\w.-])(\\{0,7}["']|)((?<=[\w\]]\[)[\w.-]*(?:${keyAlternatives})[\w.-]{0,40}\](?:\[[\w.-]*\])*|[\w.-]*(?:${keyAlternatives})[\w.-]{0,40})\1(\s{0,3}(?:=>|[=:])\s{0,3})(?!${FILE_NOT_KEY})(${SECRET_VALUE})`,
    'gi',
  );
  const rules: Rule[] = [
    ...patterns.map(({ pattern, replacement = '[redacted]' }) =>
      rule(typeof pattern === 'string' ? new RegExp(pattern, 'g') : withGlobal(pattern), replacement),
    ),
    ...BASE_RULES,
    rule(HEADER, replaceHeader, /cookie|authorization/i),
    rule(keyValue, replaceKeyValue, new RegExp(keyAlternatives, 'i')),
    rule(CARD, (match) => (luhn(match.replace(/\D/g, '')) ? '[card]' : match), /\d{4}/),
    rule(IBAN, redactIban, /\b[a-z]{2}\d{2}/i),
    rule(PHONE, (match) => (phoneDigits(match) ? '[phone]' : match), /\d{3}[ .-]\d{3}|\+[1-9]/),
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

  // Field names repeat from event to event: remember, for the first few thousand seen, whether one is
  // secret and what it reads redacted. A name is text the application chose like any other: an email
  // or a token made into a key (`{"alice@example.com": 12}`, a tag `customer:carol@example.com`) was
  // kept as it came.
  const keyVerdicts = new Map<string, KeyVerdict>();
  const judgeKey = (key: string): KeyVerdict => {
    let verdict = keyVerdicts.get(key);
    if (verdict === undefined) {
      const lower = key.toLowerCase();
      verdict = {
        name: text(key),
        secret: sensitive.some((candidate) => lower.includes(candidate)),
        strong: strong.has(lower.replace(/[-_.]/g, '')),
        card: CARD_KEY.test(lower),
      };
      if (keyVerdicts.size < 5_000) keyVerdicts.set(key, verdict);
    }
    return verdict;
  };

  // A deep copy that JSON can write, whatever the application logged: past MAX_DEPTH, a reference to an
  // object being copied (a cycle), a value whose getters throw, each becomes a marker. Before, a value
  // nested past 20 levels was kept as it was, unredacted (an email 25 levels down in a field was
  // stored and served as sent), and a logged object with a cycle reached the outbox as is: the alert
  // failed to serialize.
  const ancestors: object[] = [];
  // `card` says whether the value sits under a key that names a card (`cardNumber`, `pan`): only
  // there is a number taken for one. Anywhere, 4.65% of random 16-digit numbers (`durationNs`) pass
  // the prefix and Luhn checks, and they were `[card]`.
  const walk = (value: unknown, depth: number, card = false): unknown => {
    if (typeof value === 'string') return text(value);
    if (typeof value === 'number')
      return card && Number.isSafeInteger(value) && isCardDigits(String(value)) ? '[card]' : value;
    if (typeof value === 'bigint') return card && isCardDigits(`${value}`) ? '[card]' : `${value}n`;
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_DEPTH) return TOO_DEEP;
    if (ancestors.includes(value)) return CIRCULAR;
    ancestors.push(value);
    try {
      if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, card));
      // What JSON would write for it: a Date its ISO text, not the {} of its (absent) own keys.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, card);
      const copy: Record<string, unknown> = {};
      // Once a name was redacted, two may read the same (`a@x.com` and `b@x.com` both `[email]`):
      // the later ones are numbered (`[email]#2`), so no value is lost. The next number of each name
      // is remembered: counted from 2 for each new key, 10,000 keys reading `[email]` took 6.9 s (a review's script).
      let renamed = false;
      let next: Map<string, number> | undefined;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const inner = (value as Record<string, unknown>)[key];
        // A normalized event names every optional field; the absent ones are left out of the copy.
        if (inner === undefined) continue;
        const verdict = judgeKey(key);
        const { name } = verdict;
        const copied = isSecretWhole(verdict, inner) ? secretOf(inner) : walk(inner, depth + 1, verdict.card);
        if (name === key && !renamed) {
          copy[key] = copied;
          continue;
        }
        renamed = true;
        let free = name;
        if (Object.hasOwn(copy, free)) {
          next ??= new Map();
          let count = next.get(name) ?? 2;
          for (free = `${name}#${count}`; Object.hasOwn(copy, free); ) free = `${name}#${++count}`;
          next.set(name, count + 1);
        }
        copy[free] = copied;
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

interface KeyVerdict {
  /** The key redacted as text. */
  name: string;
  /** It holds a sensitive word (`sessionId`, `max_tokens`): a string under it is secret. */
  secret: boolean;
  /** It is a secret's name (`password`, `api_key`): anything under it is secret. */
  strong: boolean;
  /** It names a card: a number under it may be one. */
  card: boolean;
}

/**
 * Whether a value under a key is replaced whole. A string (or a BigInt, as a number too long for
 * JSON is often a token's) under any sensitive key is; a number, array or object only under a key
 * that names a secret: under one that merely holds such a word (`max_tokens: 4096`, `sessionCount`,
 * `author: {…}`, `tokenizer: {…}`), it is kept, its own keys judged, as it tells what happened.
 */
function isSecretWhole({ secret, strong }: KeyVerdict, value: unknown): boolean {
  return strong || (secret && (typeof value === 'string' || typeof value === 'bigint'));
}

/**
 * The value under a secret key (see `isSecretWhole`): whatever it is, a number (`password:
 * 12345678`), an array (`auth: ['bob', 'hunter2']`) or an object (`credentials: {user, pass}`), it
 * is `[secret]`. An empty string, null and a boolean are kept: they hold no secret, and "the password
 * was empty", "no session", "authenticated: false" are what a diagnosis looks for.
 */
function secretOf(value: unknown): unknown {
  return value === '' || value === null || typeof value === 'boolean' ? value : '[secret]';
}

/** The digits of a whole number that is a card: 13 to 19 of them, a card's prefix, Luhn-valid. */
function isCardDigits(digits: string): boolean {
  return CARD_DIGITS.test(digits) && luhn(digits);
}

/** The IBAN cut to its country's length, so that what was written after it is no part of the check. */
function redactIban(match: string): string {
  const upper = match.toUpperCase();
  const length = IBAN_LENGTHS.get(upper.slice(0, 2)) ?? 0;
  let end = 0;
  for (let kept = 0; end < match.length && kept < length; end++) if (match[end] !== ' ') kept++;
  if (upper.slice(0, end).replace(/ /g, '').length !== length) return match;
  return ibanValid(upper.slice(0, end)) ? `[iban]${match.slice(end)}` : match;
}

/** E.164 holds at most 15 digits; fewer than 8 is not a phone number with its country code. */
function phoneDigits(match: string): boolean {
  let digits = 0;
  for (const char of match) if (char >= '0' && char <= '9') digits++;
  return digits >= 8 && digits <= 15;
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
