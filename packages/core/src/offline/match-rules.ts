import { rememberStrings, SHORT_LINES } from '../remember-strings.js';
import type { OfflineRule } from './offline-rule.js';
import { OFFLINE_RULES } from './rules.js';

/** One rule that matched at least one captured line. */
export interface RuleMatch {
  rule: OfflineRule;
  /** The distinct lines it matched, verbatim, in input order, at most {@link MAX_EVIDENCE_LINES}. */
  lines: string[];
  /** The rule's confidence plus {@link LINE_BONUS} per further matching line, up to {@link MAX_BONUS}. */
  score: number;
  /** The text the first matching pattern matched in the first matching line: the signature itself. */
  matched: string;
}

const MAX_EVIDENCE_LINES = 5;
const LINE_BONUS = 0.01;
const MAX_BONUS = 0.05;
/**
 * Only the head of a line is searched: error text sits at the start of a message, and a
 * multi-megabyte line (a dumped payload) would otherwise cost every pattern a full scan.
 */
const MAX_SCANNED_CHARS = 8_192;

/** What the rules make of one line: each rule that matches it, by index, with the text it matched. */
type LineVerdict = ReadonlyArray<readonly [order: number, matched: string]>;

function verdictOf(text: string, rules: readonly OfflineRule[]): LineVerdict {
  const verdict: Array<readonly [number, string]> = [];
  rules.forEach((rule, order) => {
    const pattern = rule.patterns.find((candidate) => candidate.test(text));
    if (pattern) verdict.push([order, pattern.exec(text)?.[0] ?? '']);
  });
  return verdict;
}

// Every event is fingerprinted (on the server, in the workers, between ingest requests), and each line
// met about 200 patterns: 60 µs of the 600 µs a drained event cost the event loop (bench/README.md,
// "Fingerprinting a storm's repeated lines"). Verdicts are remembered per rule set.
const verdicts = new WeakMap<readonly OfflineRule[], (text: string) => LineVerdict>();

function rememberedVerdictOf(text: string, rules: readonly OfflineRule[]): LineVerdict {
  let verdictFor = verdicts.get(rules);
  if (!verdictFor) {
    verdictFor = rememberStrings((line) => verdictOf(line, rules), SHORT_LINES);
    verdicts.set(rules, verdictFor);
  }
  return verdictFor(text);
}

/**
 * Matches captured lines (log messages, `Type: message` error lines, error codes) against the
 * offline rules and returns every rule that matched, best first. Repeated evidence adds a little
 * to a rule's score; ties keep the rules' array order, which lists specific rules before generic
 * ones. Pure: it runs on every analysed event, so what it makes of a short line is remembered, per
 * rule set (an array is read once per line: give changed rules as a new array).
 */
export function matchRules(
  lines: readonly string[],
  rules: readonly OfflineRule[] = OFFLINE_RULES,
): RuleMatch[] {
  const found = new Map<number, { count: number; matched: string; evidence: string[] }>();
  lines.forEach((line) => {
    const scanned = line.length > MAX_SCANNED_CHARS ? line.slice(0, MAX_SCANNED_CHARS) : line;
    for (const [order, matched] of rememberedVerdictOf(scanned, rules)) {
      // The first line a rule matches gives its signature.
      let entry = found.get(order);
      if (!entry) {
        entry = { count: 0, matched, evidence: [] };
        found.set(order, entry);
      }
      entry.count++;
      if (entry.evidence.length < MAX_EVIDENCE_LINES && !entry.evidence.includes(line))
        entry.evidence.push(line);
    }
  });
  const ranked: { match: RuleMatch; order: number }[] = [];
  for (const [order, { count, matched, evidence }] of found) {
    const rule = rules[order]!;
    const bonus = Math.min(MAX_BONUS, (count - 1) * LINE_BONUS);
    // Rounded so that, say, 0.88 + 0.02 ties with 0.9 instead of beating it by a float epsilon.
    const score = Math.round((rule.confidence + bonus) * 1e6) / 1e6;
    ranked.push({ match: { rule, lines: evidence, score, matched }, order });
  }
  ranked.sort((a, b) => b.match.score - a.match.score || a.order - b.order);
  return ranked.map(({ match }) => match);
}
