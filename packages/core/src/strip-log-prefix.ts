const TIMESTAMP = /^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?\s*/;
// A whole word: `WARN` took the start of `warning: …` and left `ing: …`, `ERR` that of `Errands`.
const LEVEL = /^\s*\[?(?:FATAL|ERROR|ERR|WARN|WARNING|INFO|DEBUG|CRITICAL|PANIC)\b\]?:?\s*/i;
/**
 * Logback's default layout (`%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg`), log4j's
 * `%d{ABSOLUTE} [%t]`: a time of day without a date, then the thread, which differs between the
 * requests that fail alike. The logger's name after the level is kept.
 */
const TIME_AND_THREAD = /^\s*\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})? +\[[^\]\n]{1,120}\] */;

/**
 * Headers whose group 1 names what wrote the line, among a date, a host, a process or thread id that
 * vary between lines of one cause. The name is kept (see withProgram).
 *
 * klog and glog (Kubernetes' components): `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, a level
 * letter, the thread id padded to 7 characters, the file with its directory under `-add_dir_header`.
 * The file's base name is kept, without its line, as a frame's is.
 */
const KLOG = /^\s*[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} +\d+ (?:[^\s:\]]*\/)?([^\s:/\]]+):\d+\] ?/;
/**
 * RFC 5424: `<pri>1 timestamp host app-name procid msgid structured-data msg`, `-` for a field left
 * out. The structured data goes too: its elements hold values of the event (`[meta eventID="1011"]`),
 * its quoted values may hold `]`, escaped. A BOM may open the message.
 */
const RFC5424 =
  /^\s*<\d{1,3}>1 \S+ \S+ (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\])+)(?: \uFEFF?|$)/;
/**
 * RFC 3164 (BSD syslog, as rsyslog and journalctl print it): `Mmm dd hh:mm:ss host tag[pid]: msg`,
 * the day padded with a space (`Dec  1`), a priority before it when read off the wire.
 */
const RFC3164 =
  /^\s*(?:<\d{1,3}>)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2} \S+ ([^\s:[\]]{1,64})(?:\[[\w.-]*\])?: ?/;
/**
 * rsyslog's RFC 3339 file format and `journalctl -o short-iso`: an ISO time, then the host and the
 * tag with its pid (the pid required: without it, `web1 app:` reads like a message's own words). Both
 * print the time with its offset, `+00:00`: after a `Z` (JavaScript's toISOString) the words are the
 * application's (`Rejected orders[2]: …`), not a host's.
 */
const ISO_SYSLOG =
  /^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?[+-]\d{2}:?\d{2} [\w.-]+ ([^\s:[\]]{1,64})\[\d+\]: ?/;
const PROGRAM_HEADERS = [KLOG, RFC5424, RFC3164, ISO_SYSLOG];

/**
 * A log line without the prefix a logger put before the message: a timestamp (ISO 8601, or Go's
 * `2026/01/05 10:00:00`; a time of day before a thread), then a level word. They vary between lines of
 * one cause, and they hide an exception's header (`TypeError: …`) from a parser that reads it at the
 * start of the line. A syslog or klog header is taken off but for the program or file it names.
 */
export function stripLogPrefix(line: string): string {
  for (const header of PROGRAM_HEADERS) {
    const match = header.exec(line);
    if (match) return withProgram(match[1]!, line.slice(match[0].length).replace(LEVEL, ''));
  }
  const afterTimestamp = stripTimestamp(line);
  return (afterTimestamp === line ? line.replace(TIME_AND_THREAD, '') : afterTimestamp).replace(LEVEL, '');
}

/**
 * The message of a line: stripLogPrefix's, without the program a syslog or klog header names. What a
 * parser reads: a Node crash that journald or rsyslog recorded (`… node[812]: TypeError: …`, then
 * `… node[812]:     at getOrder (…)`) had its header and frames behind `node: `.
 */
export function logMessageOf(line: string): string {
  const message = withoutProgramHeader(line);
  return message === line ? stripLogPrefix(line) : message.replace(LEVEL, '');
}

/** klog's level letter (`E` of `E1118 10:32:15.123456 … file.go:138]`), when the line has its header. */
export function klogLevelLetter(line: string): string | undefined {
  return KLOG.test(line) ? line.trimStart()[0] : undefined;
}

/** The line without a syslog or klog header (its date, host, program and pid), else as it is. */
export function withoutProgramHeader(line: string): string {
  for (const header of PROGRAM_HEADERS) {
    const match = header.exec(line);
    if (match) return line.slice(match[0].length);
  }
  return line;
}

/**
 * The message after the name of what wrote it, as a program prints its own (`curl: (7) …`): two
 * daemons failing alike are two causes, and the key reads that first word as the caller.
 */
function withProgram(program: string, message: string): string {
  return program === '-' ? message : `${program}: ${message}`;
}

/** The line without a leading timestamp only: "Error: …" after one is an exception, not a level. */
export function stripTimestamp(line: string): string {
  return line.replace(TIMESTAMP, '');
}
