export interface RememberOptions {
  /** Longer strings are computed every time: they rarely repeat, and would make the memo large. */
  maxLength: number;
  /** Distinct strings remembered; all are forgotten at once when the memo is full. */
  entries: number;
}

/**
 * What fingerprinting remembers of log lines and messages: a line of up to 512 characters, 2,048 of them
 * (with their results, at most about 2 MiB of text per memo).
 */
export const SHORT_LINES: RememberOptions = { maxLength: 512, entries: 2_048 };

/**
 * `compute` for strings, with its result for recent short ones remembered. For the pure text work
 * that every event pays (redaction, matching the offline rules, parameterizing): an error storm repeats
 * the same lines thousands of times, so the work runs once per distinct line, not once per event.
 * Bounded by `entries` strings of at most `maxLength` characters, with their results; it lives in
 * memory only.
 */
export function rememberStrings<T>(
  compute: (text: string) => T,
  { maxLength, entries }: RememberOptions,
): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    if (text.length > maxLength) return compute(text);
    let result = memo.get(text);
    if (result === undefined) {
      result = compute(text);
      if (memo.size >= entries) memo.clear();
      memo.set(text, result);
    }
    return result;
  };
}
