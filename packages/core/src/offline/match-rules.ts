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

/**
 * Matches captured lines (log messages, `Type: message` error lines, error codes) against the
 * offline rules and returns every rule that matched, best first. Repeated evidence adds a little
 * to a rule's score; ties keep the rules' array order, which lists specific rules before generic
 * ones. Pure and allocation-light: it runs on every analysed event.
 */
export function matchRules(
  lines: readonly string[],
  rules: readonly OfflineRule[] = OFFLINE_RULES,
): RuleMatch[] {
  const scanned = lines.map((line) =>
    line.length > MAX_SCANNED_CHARS ? line.slice(0, MAX_SCANNED_CHARS) : line,
  );
  const ranked: { match: RuleMatch; order: number }[] = [];
  rules.forEach((rule, order) => {
    let count = 0;
    let matched = '';
    const evidence: string[] = [];
    scanned.forEach((text, index) => {
      const pattern = rule.patterns.find((candidate) => candidate.test(text));
      if (!pattern) return;
      if (count === 0) matched = pattern.exec(text)?.[0] ?? '';
      count++;
      const line = lines[index]!;
      if (evidence.length < MAX_EVIDENCE_LINES && !evidence.includes(line)) evidence.push(line);
    });
    if (count === 0) return;
    const bonus = Math.min(MAX_BONUS, (count - 1) * LINE_BONUS);
    // Rounded so that, say, 0.88 + 0.02 ties with 0.9 instead of beating it by a float epsilon.
    const score = Math.round((rule.confidence + bonus) * 1e6) / 1e6;
    ranked.push({ match: { rule, lines: evidence, score, matched }, order });
  });
  ranked.sort((a, b) => b.match.score - a.match.score || a.order - b.order);
  return ranked.map(({ match }) => match);
}
