// Volatile values replaced by placeholders so that one root cause keeps one key.
// Compiled once; order matters (URLs before hosts, UUIDs before hex, dates before numbers).
const REPLACEMENTS: Array<[RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s"'<>)]+/gi, '<url>'],
  [/\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}\b/g, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<date>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d+)?\b/g, '<ip>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|seconds|m|min|minutes|h|hours)\b/g, '<duration>'],
  [/\b\d+(?:\.\d+)?\b/g, '<num>'],
];

/** Replaces volatile values (ids, numbers, hosts, emails, timestamps, durations) with placeholders. */
export function parameterize(text: string): string {
  let out = text;
  for (const [pattern, placeholder] of REPLACEMENTS) out = out.replace(pattern, placeholder);
  return out.replace(/\s+/g, ' ').trim();
}
