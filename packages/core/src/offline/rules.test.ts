import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../analysis/taxonomy.js';
import { matchRules } from './match-rules.js';
import type { OfflineRule } from './offline-rule.js';
import { OFFLINE_RULES } from './rules.js';

interface Fixture {
  line: string;
  rule: string;
  source: string;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL('./__fixtures__/error-lines.json', import.meta.url), 'utf8'),
);

const rule = (id: string): OfflineRule => {
  const found = OFFLINE_RULES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

describe('OFFLINE_RULES', () => {
  it('should have at least 70 rules with unique kebab-case ids', () => {
    expect(OFFLINE_RULES.length).toBeGreaterThanOrEqual(70);
    const ids = OFFLINE_RULES.map(({ id }) => id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('should cover every category except unknown at least twice', () => {
    for (const category of CATEGORIES) {
      const count = OFFLINE_RULES.filter((candidate) => candidate.category === category).length;
      if (category === 'unknown') expect(count, category).toBe(0);
      else expect(count, category).toBeGreaterThanOrEqual(2);
    }
  });

  it('should keep confidence within 0.5–0.95 and give actionable, non-empty text', () => {
    for (const { id, title, rootCause, userImpact, remediation, prevention, confidence } of OFFLINE_RULES) {
      expect(confidence, id).toBeGreaterThanOrEqual(0.5);
      expect(confidence, id).toBeLessThanOrEqual(0.95);
      for (const text of [title, rootCause, userImpact]) expect(text.trim(), id).not.toBe('');
      expect(remediation.length, id).toBeGreaterThanOrEqual(2);
      expect(remediation.length, id).toBeLessThanOrEqual(4);
      expect(prevention.length, id).toBeGreaterThanOrEqual(2);
      expect(prevention.length, id).toBeLessThanOrEqual(3);
      for (const step of [...remediation, ...prevention]) expect(step.trim(), id).not.toBe('');
    }
  });

  it('should use stateless patterns (no g or y flag), at least one per rule', () => {
    for (const { id, patterns } of OFFLINE_RULES) {
      expect(patterns.length, id).toBeGreaterThan(0);
      for (const pattern of patterns) expect(pattern.flags, `${id} ${pattern}`).not.toMatch(/[gy]/);
    }
  });

  it('should finish every pattern on 100 KB of near-miss text', () => {
    // Each fixture line minus its tail almost matches its rule, so every pattern gets to try its
    // partial matches over and over: a pattern with catastrophic (exponential) backtracking would never
    // finish, and the run's time limit ends it. Finishing is the whole check: it counted its runs
    // before, which only the loop could make right or wrong. A quadratic pattern is not caught (a test
    // auditor's `/\s+zq/i` took 8.5 s and passed): no time is asserted on these noisy machines.
    const nearMiss = fixtures.map(({ line }) => line.slice(0, Math.max(1, line.length - 3))).join(' ');
    const oneLine = nearMiss.repeat(Math.ceil(100_000 / nearMiss.length)).slice(0, 100_000);
    const repeated = ['a', ' ', '"', "'", '0', '-', ':'].map((char) => char.repeat(100_000));
    for (const { patterns } of OFFLINE_RULES)
      for (const pattern of patterns) for (const text of [oneLine, ...repeated]) pattern.test(text);
  });
});

describe('matchRules', () => {
  it('should have at least 80 real error lines, each naming an existing rule and its source', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(80);
    for (const { line, rule: id, source } of fixtures) {
      expect(line.trim(), id).not.toBe('');
      expect(() => rule(id)).not.toThrow();
      expect(source).toMatch(/^(?:reproduced|docs): \S/);
    }
  });

  it('should give every rule at least one fixture line', () => {
    const covered = new Set(fixtures.map(({ rule: id }) => id));
    const uncovered = OFFLINE_RULES.filter(({ id }) => !covered.has(id)).map(({ id }) => id);
    expect(uncovered).toEqual([]);
  });

  it.each(fixtures.map((fixture) => [fixture.rule, fixture.line] as const))(
    'should diagnose %s from: %s',
    (id, line) => {
      const [best] = matchRules([line]);
      expect(best?.rule.id).toBe(id);
      expect(best?.lines).toEqual([line]);
    },
  );

  it.each([
    'Request processed successfully for user_id=42',
    'GET /health 200 3ms',
    'Server listening on port 3000',
    'Connected to PostgreSQL at 127.0.0.1:5432',
    'Processing widget chat request',
    '[2025-11-18 14:32:15] INFO: Validating widget agent configuration',
    'Cache hit for key session:abc123',
    'Payment captured for order 1234 (amount 42.00 EUR)',
    'Retrying in 200 ms (attempt 2/5)',
    'POST /api/orders 201 57ms',
  ])('should match nothing in the ordinary line: %s', (line) => {
    expect(matchRules([line])).toEqual([]);
  });

  it('should rank the specific cause above the generic symptom', () => {
    const lines = ['Error: getaddrinfo ENOTFOUND undefined', 'ENOTFOUND'];
    const ids = matchRules(lines).map((match) => match.rule.id);
    expect(ids[0]).toBe('host-misconfigured');
    expect(ids).toContain('dns-not-found');
  });

  it('should add 0.01 per further matching line, up to 0.05, and keep at most 5 distinct lines', () => {
    const lines = Array.from(
      { length: 9 },
      (_, index) => `Error: connect ECONNREFUSED 127.0.0.1:${index + 1}`,
    );
    const [best] = matchRules([...lines, lines[0]!]);
    expect(best?.rule.id).toBe('connection-refused');
    expect(best?.score).toBeCloseTo(rule('connection-refused').confidence + 0.05, 10);
    expect(best?.lines).toEqual(lines.slice(0, 5));

    const [two] = matchRules(lines.slice(0, 2));
    expect(two?.score).toBeCloseTo(rule('connection-refused').confidence + 0.01, 10);
  });

  it('should break score ties by rule order', () => {
    const first: OfflineRule = { ...rule('connection-refused'), id: 'first', patterns: [/boom/] };
    const second: OfflineRule = { ...first, id: 'second' };
    expect(matchRules(['boom'], [second, first]).map((match) => match.rule.id)).toEqual(['second', 'first']);
    expect(matchRules(['boom'], [first, second]).map((match) => match.rule.id)).toEqual(['first', 'second']);
  });

  it('should let repeated evidence outrank a slightly more confident single match', () => {
    const weak: OfflineRule = {
      ...rule('connection-refused'),
      id: 'weak',
      confidence: 0.8,
      patterns: [/weak/],
    };
    const strong: OfflineRule = { ...weak, id: 'strong', confidence: 0.82, patterns: [/strong/] };
    const ranked = matchRules(['weak 1', 'weak 2', 'weak 3', 'weak 4', 'strong'], [strong, weak]);
    expect(ranked.map((match) => match.rule.id)).toEqual(['weak', 'strong']);
  });

  it('should match a SQLSTATE given alone as an error code, but not inside other numbers', () => {
    expect(matchRules(['23505'])[0]?.rule.id).toBe('unique-violation');
    expect(matchRules(['(SQLSTATE 40P01)'])[0]?.rule.id).toBe('db-deadlock');
    expect(matchRules(['order 123505 shipped'])).toEqual([]);
  });

  it('should answer a line seen before as it did the first time, for the rule set it is asked with', () => {
    const lines = [
      'ERROR: connect ECONNREFUSED 10.0.0.7:5432',
      'retrying',
      'ERROR: connect ECONNREFUSED 10.0.0.7:5432',
    ];
    const first = matchRules(lines);
    expect(first[0]?.rule.id).toBe('connection-refused');
    expect(matchRules(lines)).toEqual(first);
    // Another rule set meets the same lines afresh: what the default rules made of them is theirs only.
    const own: OfflineRule = { ...rule('connection-refused'), id: 'own', patterns: [/retrying/] };
    expect(matchRules(lines, [own]).map((match) => [match.rule.id, match.lines])).toEqual([
      ['own', ['retrying']],
    ]);
    // A line longer than what is remembered is matched all the same.
    const long = `${'x'.repeat(600)} ERROR: connect ECONNREFUSED 10.0.0.7:5432`;
    expect(matchRules([long])[0]?.rule.id).toBe('connection-refused');
    expect(matchRules([long])[0]?.rule.id).toBe('connection-refused');
  });

  it('should return nothing for no lines', () => {
    expect(matchRules([])).toEqual([]);
  });
});
