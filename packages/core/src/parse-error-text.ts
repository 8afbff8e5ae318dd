import { parseStackLine } from './parse-stack.js';
import { logMessageOf, stripTimestamp } from './strip-log-prefix.js';
import type { ErrorInfo, StackFrame } from './types.js';

// "TypeError: msg", "java.lang.IllegalStateException: msg", "Uncaught Error", "psycopg2.errors.UniqueViolation: …"
// "error: …" in lower case is how node-postgres and Go print errors. Node puts a system error's code in
// brackets after the type ("TypeError [ERR_INVALID_ARG_TYPE]: …"), as err.stack reaches a server from
// pino: it is read past, or that path would lose the cause chain the SDK keeps, and key apart.
/** How an exception's type ends (`TypeError`, `SQLException`, `KeyboardInterrupt`…). */
const TYPE_ENDINGS = 'Error|Exception|Violation|Fault|Failure|Warning|Interrupt|Exit';
const HEADER = new RegExp(
  String.raw`^\s*(?:Uncaught |Exception in thread "[^"]*" )?((?:[A-Za-z_$][\w$.]*)?(?:${TYPE_ENDINGS})|error(?=: ))(?: \[[^\]\n]{1,80}\])?(?::\s?(.*))?$`,
);
// pino's serializer joins a cause's stack with "caused by:", in lower case.
const CAUSE = /^\s*(?:[Cc]aused by:\s*|\[cause\]:\s*)(.*)$/;
const GO_PANIC = /^panic: (.*)$/;
const GO_FUNCTION = /^([\w./*()%-]+?)(?:\.\.\.)?\((?:[^()]*)\)$/;
const GO_LOCATION = /^\s+(\/\S+\.go|[A-Za-z]:\\\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
// Lines inside a V8 or Java trace that are neither frames nor the end of it.
const SKIPPABLE =
  /^\s*(?:\.\.\. \d+ (?:more|common frames omitted|lines matching cause stack trace)|\{|\})|^\s+\w+: /;
const PYTHON_TRACEBACK = /^Traceback \(most recent call last\):/;

/**
 * Finds the exception in raw log lines, in the formats runtimes print:
 * Node/V8 (`Type: message` then `at` frames, `[cause]:`), Java (`Caused by:`),
 * Python (`Traceback …` frames, the exception last, chained tracebacks) and Go
 * (`panic:` then goroutine frames). Frames come innermost first.
 */
export function parseErrorText(lines: readonly string[]): ErrorInfo | undefined {
  const python = parsePython(lines);
  if (python) return python;
  const go = parseGoPanic(lines);
  if (go) return go;
  for (let index = 0; index < lines.length; index++) {
    const header = HEADER.exec(lines[index]!);
    if (header) return parseThrowable(lines, index, header[1]!, header[2] ?? '');
  }
  // Else a stack whose header follows a logger's timestamp and level ("2026-01-05T10:00:00.000Z ERROR
  // TypeError: …"; its frame lines may carry the same prefix). With frames only: a logged line that
  // merely reads like a header is often a generic wrapper ("ERROR RequestError: request failed"), and
  // the offline rules find the cause in the lines after it.
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = prefixedHeader(line);
    if (!header) continue;
    const error = parseThrowable(lines, index, header[1]!, header[2] ?? '', 0, true);
    if (error.frames) return error;
  }
  return undefined;
}

// What every header holds: most log lines do not, and are not stripped for nothing.
const HEADER_WORD = new RegExp(`${TYPE_ENDINGS}|error: `);

// After the timestamp alone first: the level word a logger writes can be the exception's own type.
function prefixedHeader(line: string): RegExpExecArray | null {
  if (!HEADER_WORD.test(line)) return null;
  const afterTimestamp = stripTimestamp(line);
  if (afterTimestamp !== line) {
    const header = HEADER.exec(afterTimestamp);
    if (header) return header;
  }
  const afterLevel = logMessageOf(line);
  return afterLevel !== line && afterLevel !== afterTimestamp ? HEADER.exec(afterLevel) : null;
}

/** V8 and Java: header, frames, then optional cause sections. */
function parseThrowable(
  lines: readonly string[],
  start: number,
  type: string,
  message: string,
  depth = 0,
  prefixed = false,
): ErrorInfo {
  const frames: StackFrame[] = [];
  let index = start + 1;
  for (; index < lines.length && index < start + 200; index++) {
    const line = lines[index]!;
    const cause = CAUSE.exec(line);
    if (cause && depth < 5) {
      const header = HEADER.exec(cause[1]!);
      const error: ErrorInfo = { type, message, frames: nonEmpty(frames) };
      if (header) {
        error.cause = parseThrowable(lines, index, header[1]!, header[2] ?? '', depth + 1, prefixed);
      }
      return error;
    }
    const frame = parseStackLine(line) ?? (prefixed ? parseStackLine(logMessageOf(line)) : undefined);
    if (frame) frames.push(frame);
    // After a log prefix, the header's frames follow it at once: a line that is neither a frame nor
    // skippable ends them even before the first, or a later, unrelated error's stack (and its frames)
    // would be taken for this one's.
    else if (!SKIPPABLE.test(line) && (frames.length > 0 || prefixed)) break;
  }
  return { type, message, frames: nonEmpty(frames) };
}

/**
 * Python prints the outermost frame first and the exception last; chained
 * tracebacks ("During handling of the above exception…") come cause first.
 */
function parsePython(lines: readonly string[]): ErrorInfo | undefined {
  const tracebacks: ErrorInfo[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!PYTHON_TRACEBACK.test(lines[index]!.trim())) continue;
    const frames: StackFrame[] = [];
    let cursor = index + 1;
    for (; cursor < lines.length; cursor++) {
      const line = lines[cursor]!;
      const frame = parseStackLine(line);
      if (frame) frames.push(frame);
      else if (/^\s{2,}/.test(line) || /^\s*\^+\s*$/.test(line)) continue;
      else break;
    }
    const last = lines[cursor]?.trim() ?? '';
    const match = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
    if (!match) continue;
    tracebacks.push({ type: match[1]!, message: match[2] ?? '', frames: nonEmpty(frames.reverse()) });
    index = cursor;
  }
  if (tracebacks.length === 0) return undefined;
  // The last traceback is what was raised; the ones before it are its causes.
  let error = tracebacks.pop()!;
  const outermost = error;
  while (tracebacks.length > 0) {
    error.cause = tracebacks.pop()!;
    error = error.cause;
  }
  return outermost;
}

/** `panic: message`, then `goroutine N [running]:`, then function / `\tfile.go:line +0x…` pairs. */
function parseGoPanic(lines: readonly string[]): ErrorInfo | undefined {
  const start = lines.findIndex((line) => GO_PANIC.test(line));
  if (start === -1) return undefined;
  const message = GO_PANIC.exec(lines[start]!)![1]!;
  const frames: StackFrame[] = [];
  for (let index = start + 1; index < lines.length - 1 && frames.length < 50; index++) {
    const fn = GO_FUNCTION.exec(lines[index]!.trim());
    const location = GO_LOCATION.exec(lines[index + 1]!);
    if (!fn || !location) continue;
    const file = location[1]!;
    frames.push({
      function: fn[1],
      file,
      line: Number(location[2]),
      inApp:
        !/\/go\/src\/|\/pkg\/mod\/|^runtime\.|\/usr\/(local\/)?(lib\/)?go\//.test(`${file} ${fn[1]}`) &&
        !fn[1]!.startsWith('runtime.'),
    });
    index++;
  }
  const runtimeError = /^runtime error: (.*)$/.exec(message);
  return {
    type: runtimeError ? 'runtime error' : 'panic',
    message: runtimeError ? runtimeError[1]! : message,
    frames: nonEmpty(frames),
  };
}

function nonEmpty(frames: StackFrame[]): StackFrame[] | undefined {
  return frames.length > 0 ? frames : undefined;
}
