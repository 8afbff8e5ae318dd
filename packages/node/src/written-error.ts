import { renderValue } from '@triage/core';

/** How pino's error serializer (pino-std-serializers) joins a cause's stack to its error's. */
const CAUSED_BY = '\ncaused by: ';
/** A stack's headline: `TypeError: message`, `TypeError [ERR_CODE]: message` (Node's), or the name alone. */
const HEADLINE = /^([A-Za-z_$][\w$.]*)(?: \[[^\]]*\])?(?:: ([\s\S]*))?$/;
/** Where a stack's frames start: its headline (the message may span lines) is what comes before. */
const FIRST_FRAME = /\n\s+at /;

/**
 * An `Error` made only of what a logger wrote of one (`type`, `message`, `stack`, `code`), for the
 * diagnosis of a line whose configuration may have hidden part of the error the call passed: nothing
 * of the live error is read. A stack with causes appended (`…\ncaused by: …`, as pino writes them)
 * becomes the cause chain again, each error named and worded by its stack's first line, so that an
 * error is grouped by its causes as it is when captured itself.
 */
export function errorFromWritten(written: unknown): Error {
  if (typeof written !== 'object' || written === null || Array.isArray(written)) {
    return withStack(new Error(renderValue(written)), undefined);
  }
  const record = written as Record<string, unknown>;
  const stack = typeof record.stack === 'string' ? record.stack : undefined;
  const error = fromSections(stack?.split(CAUSED_BY) ?? [], 0, {
    name: typeof record.type === 'string' ? record.type : 'Error',
    message: typeof record.message === 'string' ? record.message : '',
  });
  if (typeof record.code === 'string' || typeof record.code === 'number')
    Object.assign(error, { code: record.code });
  return error;
}

function fromSections(
  sections: string[],
  index: number,
  fallback?: { name: string; message: string },
): Error {
  const section = sections[index];
  const headline = section?.split(FIRST_FRAME, 1)[0];
  let match = headline === undefined ? null : HEADLINE.exec(headline);
  // A headline that is the message alone (`Timeout`, a stack a library wrote): the written type names it.
  if (
    match &&
    match[2] === undefined &&
    fallback &&
    match[1] === fallback.message &&
    match[1] !== fallback.name
  )
    match = null;
  // No headline (a redacted stack, say): the written message, else the stack's first lines.
  const error = new Error(match ? (match[2] ?? '') : fallback?.message || (headline ?? ''));
  error.name = match?.[1] ?? fallback?.name ?? 'Error';
  withStack(error, section);
  if (index + 1 < sections.length && index < 5) error.cause = fromSections(sections, index + 1);
  return error;
}

/** The stack as written, or none: never the stack of the code that made this error. */
function withStack(error: Error, stack: string | undefined): Error {
  error.stack = stack;
  return error;
}
