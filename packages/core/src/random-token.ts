// Generated ids (cuid, nanoid, KSUID, Stripe's `pi_…`, `req_…`) are words of letters and digits, as are
// names in code (`Float64Array`, `ERR_HTTP2_STREAM_CANCEL`, `audit_log_2024_q1`). Names are made of
// words: runs of letters that read as syllables, digits in one or two groups. Random text switches
// between letters and digits often, or has letter runs few words have (five consonants in a row). On
// 20,000 generated ids of each kind, this took every ULID, 99.9% of cuids and cuid2s, 98% of KSUIDs,
// 95% of nanoids and 93-100% of the bodies after a prefix; of 42 names with digits, two, both words
// with five consonants in a row ("strengths2024"). parameterize.test.ts keeps a dozen of the names.

const WORD = /[A-Z]?[a-z]{2,}|[A-Z]{2,}(?![a-z])/g;
const VOWEL = /[aeiouy]/i;
const CONSONANT_RUN = /[b-df-hj-np-tv-xz]{5}/;
const HEX = /^[0-9a-f]+$/;

/**
 * True when `token` (letters and digits, maybe `_` and `-`) reads as a generated id rather than a
 * name. `prefixed`: it followed a short lowercase prefix and `_` (`pi_`, `req_`, `sk_live_`), which
 * ids have and names seldom do, so less randomness is asked of it.
 */
export function looksRandom(token: string, prefixed: boolean): boolean {
  if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) return false;
  if (prefixed && HEX.test(token)) return true;
  // Acronyms (HTTPS, SQS) are runs of consonants too: only the lower-case runs are asked.
  if (CONSONANT_RUN.test(token.replace(/[A-Z]{2,}/g, ' ').toLowerCase())) return true;
  let switches = 0;
  let digits = 0;
  for (let index = 0; index < token.length; index++) {
    const digit = isDigit(token, index);
    if (digit) digits++;
    if (index > 0 && digit !== isDigit(token, index - 1) && isLetter(token, digit ? index - 1 : index)) {
      switches++;
    }
  }
  if (switches >= (prefixed ? 3 : 5)) return true;
  // cuid, cuid2 and ULID are one case and digits, long: a name that long has separators or humps.
  if (!prefixed && token.length >= 20 && /^(?:[a-z\d]+|[A-Z\d]+)$/.test(token) && digits >= 2) return true;
  const letters = token.replace(/[^A-Za-z]/g, '').length;
  let inWords = 0;
  for (const word of token.match(WORD) ?? []) {
    if (word.length < 4 || VOWEL.test(word) || /^[A-Z]+$/.test(word)) inWords += word.length;
  }
  return inWords / letters < (prefixed ? 0.8 : 0.75);
}

function isDigit(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

function isLetter(text: string, index: number): boolean {
  const code = text.charCodeAt(index) | 32;
  return code >= 97 && code <= 122;
}
