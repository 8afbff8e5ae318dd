// Volatile values replaced by placeholders so that one root cause keeps one key. Compiled once; order
// matters: whole things first (URLs before hosts, temp paths before numbers, UUIDs before hex, dates
// before times before numbers).
const TLD =
  'com|net|org|io|dev|app|cloud|internal|local|localdomain|lan|svc|cluster|invalid|example|test|co|us|eu|de|uk|fr';
const REPLACEMENTS: Array<[RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s"'<>)]+/gi, '<url>'],
  [/\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}\b/g, '<email>'],
  [
    /(?:\/tmp|\/var\/tmp|\/var\/folders|\/private\/var\/folders)\/[^\s:'"),]+|\b[A-Z]:\\Users\\[^\s\\]+\\AppData\\Local\\Temp\\[^\s:'"),]+/g,
    '<tmp>',
  ],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<date>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d+)?\b/g, '<ip>'],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?![\w:])|(?<![\w:])::1(?![\w:])/gi, '<ip>'],
  // Kubernetes pod names: <deployment>-<replicaset hash>-<5 characters>.
  [
    /\b[a-z0-9](?:[-a-z0-9]{0,40}[a-z0-9])?-[bcdfghjklmnpqrstvwxz2-9]{6,10}-[bcdfghjklmnpqrstvwxz2-9]{5}\b/g,
    '<pod>',
  ],
  [new RegExp(`\\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLD})\\b(?::\\d+)?`, 'gi'), '<host>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<hex>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds|m|min|mins|minutes|h|hours)\b/g, '<duration>'],
  [/\b\d+(?:\.\d+)?\b/g, '<num>'],
];

// Quoted values vary per occurrence (an order id, a user's name), except quoted identifiers: the
// property in "reading 'id'" or the table in 'relation "users"' name the root cause, so they stay.
const QUOTED = /'([^'\n]{1,200})'|"([^"\n]{1,200})"/g;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z_$.:-]{0,40}$/;

/**
 * Replaces volatile values (ids, numbers, hosts, IPs, emails, UUIDs, hex ids,
 * dates and times, durations, quoted values, pod names, temp paths) with
 * placeholders.
 */
export function parameterize(text: string): string {
  let out = text;
  for (const [pattern, placeholder] of REPLACEMENTS) out = out.replace(pattern, placeholder);
  out = out.replace(QUOTED, (match, single?: string, double?: string) => {
    const value = single ?? double ?? '';
    if (IDENTIFIER.test(value) || /^<\w+>$/.test(value)) return match;
    return single !== undefined ? "'<str>'" : '"<str>"';
  });
  return out.replace(/\s+/g, ' ').trim();
}
