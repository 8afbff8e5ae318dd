import { rememberStrings, SHORT_LINES } from './remember-strings.js';

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
  [
    /\b\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
    '<date>',
  ],
  // Request and record ids given as key=value: reqId=req-5ccd, order_id=A-77.
  [/\b([\w.-]*(?:id|Id|ID))=[^\s,;&)"']+/g, '$1=<id>'],
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
  [/\b(?:\d+(?:\.\d+)?(?:h|m|s|ms|µs|us|ns)){2,}\b/g, '<duration>'],
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds|m|min|mins|minutes|h|hours)\b/g, '<duration>'],
  // Repeat counts as Kubernetes prints them: (x12 over 3m).
  [/\bx\d+\b/g, 'x<num>'],
  [/\b\d+(?:\.\d+)?\b/g, '<num>'],
];

// Quoted values vary per occurrence (an order id, a user's name, a bad input), except a quoted
// identifier after a word that names code or schema: the property in "reading 'id'" or the table in
// 'relation "users"' name the root cause, so they stay.
const QUOTED = /((?:\b\w+\s)?)(?:'([^'\n]{0,1000})'|"([^"\n]{0,1000})")/g;
// A quote never closed on its line (a truncated HTML page in a JSON parse error) runs to the end.
const UNCLOSED_QUOTE = /"[^"\n]*$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z_$.:-]{0,60}$/;
const NAMES_CODE =
  /^(?:reading|setting|property|properties|attribute|column|relation|table|constraint|index|key|field|module|package|variable|function|method|type|class|argument|parameter|option|header|setting|sequence|schema|view|trigger|role)\s$/i;

/**
 * Replaces volatile values (ids, numbers, hosts, IPs, emails, UUIDs, hex ids,
 * dates and times, durations, quoted values, pod names, temp paths) with
 * placeholders. About twenty patterns run over the text: what they make of a short one is
 * remembered, as fingerprinting meets the same messages again and again in a storm.
 */
export const parameterize: (text: string) => string = rememberStrings(parameterizeText, SHORT_LINES);

function parameterizeText(text: string): string {
  let out = text;
  for (const [pattern, placeholder] of REPLACEMENTS) out = out.replace(pattern, placeholder);
  out = out.replace(QUOTED, (match, word: string, single?: string, double?: string) => {
    const value = single ?? double ?? '';
    if (NAMES_CODE.test(word) && IDENTIFIER.test(value)) return match;
    if (/^<(?:tmp|url|email|host|ip)>$/.test(value)) return match;
    return `${word}${single !== undefined ? "'<str>'" : '"<str>"'}`;
  });
  if ((out.match(/"/g)?.length ?? 0) % 2 === 1) out = out.replace(UNCLOSED_QUOTE, '"<str>');
  return out.replace(/\s+/g, ' ').trim();
}
