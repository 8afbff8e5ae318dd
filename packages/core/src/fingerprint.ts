import { createHash } from 'node:crypto';
import { resolveFingerprint } from './fingerprint-variables.js';
import { matchRules } from './offline/match-rules.js';
import { parameterize } from './parameterize.js';
import { looksRandom } from './random-token.js';
import { stripLogPrefix } from './strip-log-prefix.js';
import { truncate } from './truncate.js';
import type { ErrorInfo, StackFrame, TriageEvent } from './types.js';

/** In-app frames taken into the key: enough to tell call sites apart, few enough to survive refactors. */
const FRAMES_IN_KEY = 5;
/** In-app frames of the innermost cause taken into the key as well: where it was thrown. */
const CAUSE_FRAMES_IN_KEY = 3;
/** An issue title fits one line of the dashboard's list. */
const TITLE_CHARS = 140;
/**
 * A bundler's content hash in a file name (`cart-8a7b6c5d4e3f2a1b.js`, Vite's `index-B7x2kQ9a.js`,
 * `main.3f2a1b4c.chunk.js`): it changes with every build, the code it names does not.
 */
const BUNDLE_HASH = /[-.]([A-Za-z0-9_]{6,20}|[\w-]{8})(?=(?:\.chunk)?\.[mc]?js$)/;
/**
 * Only where a bundler writes: a URL (a browser's frame) or its output directories. Elsewhere a suffix
 * is part of the name a person gave the file (`migration-20240105.js`, `crypto-sha256.js`).
 */
const BUNDLE_PLACE = /:\/\/|(?:^|[\\/])(?:assets|dist|build|\.vite|_next[\\/]static)[\\/]/;
/** A date names a migration or a report, not a build. */
const DATE_LIKE = /^(?:19|20)\d\d(?:0[1-9]|1[0-2])/;
/** Words in camel or lower case: `CartView`, `checkout`. */
const WORDS = /^(?:[A-Z]?[a-z]{2,})+$/;
/**
 * Classes the JVM generates as it runs, numbered in the order it made them: a reflective call's
 * accessor (`GeneratedMethodAccessor57`), a lambda (`$$Lambda$123/0x0000000800c0b440`, JDK 21's
 * `$$Lambda/0x…`), a proxy (`$Proxy112`). Another process numbers the same call otherwise.
 */
const GENERATED_CLASS =
  /(Generated(?:Serialization)?(?:Method|Constructor)Accessor|\$Proxy)\d+|(\$\$Lambda)(?:\$\d+)?\/(?:0x[0-9a-fA-F]+|\d+)/g;

/**
 * A hash is webpack's hex (with a digit), esbuild's base 32 (upper case and digits), Rollup's 8
 * characters of base 64 (mixed case, not made of words: a quarter of them hold no digit), or what
 * looksRandom takes for one. Never with `_` outside Rollup's 8 (`v1_orders`, `020_import`), never a date.
 */
function isBundleHash(text: string): boolean {
  if (DATE_LIKE.test(text)) return false;
  if (/^(?=.*\d)[0-9a-f]{8,20}$/.test(text) || /^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{8}$/.test(text)) return true;
  if (text.length === 8 && /[a-z]/.test(text) && /[A-Z]/.test(text) && !WORDS.test(text)) return true;
  return !/[_-]/.test(text) && looksRandom(text, false);
}

export interface Fingerprint {
  /** 32 hex characters; stable across processes, hosts and releases. */
  fingerprint: string;
  /** Human-readable issue title from the same normalization. */
  title: string;
  /** The parts that were hashed, for explaining a grouping. */
  components: string[];
}

/**
 * The stable key for "the same root cause": error type + parameterized message
 * + top in-app frames (function and file basename, never line numbers). An
 * explicit fingerprint from the application wins; `{{ default }}` in it stands
 * for the computed components, and Sentry's other variables are filled in (see resolveFingerprint).
 */
export function fingerprintEvent(event: TriageEvent): Fingerprint {
  const computed = computedComponents(event);
  const components = event.fingerprint?.length
    ? resolveFingerprint(event.fingerprint, event, computed.components)
    : computed.components;
  return { fingerprint: hash(components), title: computed.title, components };
}

/**
 * The key of an issue on a server: an event's fingerprint within its project (`triage.project`), so
 * that one error in two projects makes two issues, each alerted to its own team. An event without a
 * project (the in-process engine) keeps its fingerprint.
 */
export function projectFingerprint(fingerprint: string, projectId: string | undefined): string {
  return projectId === undefined ? fingerprint : hash(['triage.project', projectId, fingerprint]);
}

function computedComponents(event: TriageEvent): { components: string[]; title: string } {
  const where = [event.source?.file, event.source?.function].filter(Boolean).join(' ');
  if (event.error) {
    const { error } = event;
    const message = parameterize(error.message);
    // A wrapper with a cause is keyed by its cause: the wrapper's message carries context (a tenant,
    // an order id) that varies, the cause names what went wrong.
    const keepMessage = !error.cause;
    const components = [error.type, ...(keepMessage ? [message] : []), ...framesKey(error)];
    // Frames of the runtime only (a refused connection's TCPConnectWrap.afterConnect) are the same for
    // every caller: the handler the event names tells them apart. Not a source read off those frames
    // (a Sentry event's culprit), whose full path may hold a release's directory.
    if (where && !error.frames?.some((frame) => frame.inApp) && !isFrame(event.source, error.frames)) {
      components.push(where);
    }
    let innermost = error;
    for (let cause = error.cause; cause; cause = cause.cause) {
      components.push(`cause:${cause.type}`, parameterize(cause.message));
      innermost = cause;
    }
    // A shared wrapper (an error middleware's `wrap(err)`) has the same frames for every failure it
    // wraps: where the cause was thrown tells getUser's from getOrder's.
    if (innermost !== error) components.push(...inAppFrames(innermost).slice(0, CAUSE_FRAMES_IN_KEY));
    return { components, title: truncate(message ? `${error.type}: ${message}` : error.type, TITLE_CHARS) };
  }
  const errorLines = event.log.filter((entry) => entry.level === 'error');
  const warnLines = event.log.filter((entry) => entry.level === 'warn');
  // Runtimes such as Go's log package print no level word: then every line is a candidate.
  const lines = errorLines.length > 0 ? errorLines : warnLines.length > 0 ? warnLines : event.log;
  // A raw log's first error line is often a generic wrapper ("request failed reqId=…"); the line a
  // known signature matches names the cause, so it is the key when there is one.
  const [signature] = matchRules(lines.slice(0, 50).map((entry) => entry.message));
  const first = lines[0] ?? event.log[0];
  const titleLine = parameterize(
    stripLogPrefix(signature?.lines[0] ?? first?.message ?? event.description ?? ''),
  );
  // The event's own message titles it, not an error line logged before it (a Sentry captureMessage
  // whose breadcrumbs hold an earlier error); the key keeps its lines, so no issue splits in two.
  const title = truncate(
    (event.message && parameterize(stripLogPrefix(event.message))) || titleLine || where || 'Unknown error',
    TITLE_CHARS,
  );
  if (signature) {
    // The rule names the kind of failure; the first word before its match (a program or function
    // name: "curl:", "fetchQuote") tells apart callers, the match itself and, from the rest of the
    // line, what names what failed (see causeNames).
    const line = signature.lines[0] ?? '';
    const at = Math.max(0, line.indexOf(signature.matched));
    const caller = firstWord(parameterize(stripLogPrefix(line.slice(0, at))));
    const cause = [parameterize(signature.matched), ...causeNames(line.slice(at), signature.matched)].join(
      ' ',
    );
    return { components: [where, caller, `rule:${signature.rule.id}`, cause].filter(Boolean), title };
  }
  return { components: [where, titleLine].filter(Boolean), title };
}

/**
 * What, after a rule's match, names what failed: a quoted name parameterize kept (the property in
 * "(reading 'id')", a constraint, '<path>.json' against '<path>.png'), the service's port, a status, an
 * errno code. Not the rest of the line: a tenant (" - tenant acme"), a user (" user=alice"), a process's
 * sizes (the OOM killer's "total-vm:1234567kB, anon-rss:…") differ per event and would make one issue
 * of each. Cutting at the first " (", " - " or "," would not do: the property read is inside "(…)".
 */
const CAUSE_NAME = new RegExp(
  [
    `'[^'\n]*'|"[^"\n]*"`,
    '(?:<ip>|<host>|\\blocalhost):\\d+',
    '\\b(?:(?:[Ss]tatus(?:[ _-]?[Cc]ode)?|HTTP(?:\\/\\d(?:\\.\\d)?)?)\\s?[:=]?\\s?[45]\\d\\d|(?<![Ss]tatus[ _-]?)[Cc]ode\\s?[:=]?\\s?[1-5]\\d\\d)\\b',
    '\\b(?:E(?!RROR\\b)[A-Z]{3,}|ERR_[A-Z0-9_]+)\\b',
  ].join('|'),
  'g',
);

function causeNames(fromMatch: string, matched: string): string[] {
  // The whole tail is parameterized, then the match's part taken off: a quoted name is kept only after
  // the word before it ("reading 'id'"), which may be in the match.
  const whole = parameterize(fromMatch);
  const start = parameterize(matched);
  const rest = whole.startsWith(start) ? whole.slice(start.length) : whole;
  // A value parameterize replaced ('<str>') is matched whole, so that its closing quote opens no other.
  return [...new Set(rest.match(CAUSE_NAME) ?? [])].filter((name) => !/^(["'])<str>\1$/.test(name));
}

function framesKey(error: ErrorInfo): string[] {
  const frames = error.frames ?? [];
  const inApp = frames.filter((frame) => frame.inApp);
  return (inApp.length > 0 ? inApp : frames).slice(0, FRAMES_IN_KEY).map(frameKey);
}

function isFrame(source: TriageEvent['source'], frames: StackFrame[] | undefined): boolean {
  return !!frames?.some((frame) => frame.file === source?.file && frame.function === source?.function);
}

function inAppFrames(error: ErrorInfo): string[] {
  return (error.frames ?? []).filter((frame) => frame.inApp).map(frameKey);
}

/**
 * A frame as the key names it: function and file name, never the line, the directory (a release's or a
 * host's), a bundle's content hash or the number the JVM gave a class it generated at run time.
 */
export function frameKey(frame: StackFrame): string {
  // A JVM frame sent without a file is named by its class, whose lambda's name holds a '/'.
  const path = frame.file && withoutGeneratedNumbers(frame.file);
  const bundled = !!path && BUNDLE_PLACE.test(path);
  const file = path
    ? (path.split(/[\\/]/).pop() ?? path)
        .replace(/\?.*$/, '')
        .replace(BUNDLE_HASH, (suffix, text: string) => (bundled && isBundleHash(text) ? '' : suffix))
    : '';
  return `${frame.function ? withoutGeneratedNumbers(frame.function) : '?'}@${file}`;
}

function withoutGeneratedNumbers(name: string): string {
  return name.replace(
    GENERATED_CLASS,
    (_match, numbered?: string, lambda?: string) => numbered ?? lambda ?? '',
  );
}

function firstWord(text: string): string {
  return (
    text.split(/\s+/).find((word) => word !== '' && !/^[<[(*"']/.test(word) && !/^[\d#:.,-]+$/.test(word)) ??
    ''
  );
}

function hash(components: string[]): string {
  return createHash('sha256').update(components.join('\u0000')).digest('hex').slice(0, 32);
}
