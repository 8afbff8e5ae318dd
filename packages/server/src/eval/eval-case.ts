import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, type Category } from '@triage/core';

/** One labelled case: a real failure's log, its root-cause category, and facts a correct diagnosis mentions. */
export interface EvalCase {
  id: string;
  description: string;
  source: string;
  input: unknown;
  expected: { category: Category; facts: string[] };
}

/** Reads every `*.json` case of a directory, sorted by name; a malformed case is an error naming the file. */
export function loadCases(dir: string): EvalCase[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return files.map((name) => {
    const path = join(dir, name);
    let raw: EvalCase;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`);
    }
    if (!raw.input || !raw.expected || !CATEGORIES.includes(raw.expected.category)) {
      throw new Error(`${path}: needs "input" and "expected.category" from the taxonomy`);
    }
    return {
      ...raw,
      id: raw.id ?? name.replace(/\.json$/, ''),
      expected: { ...raw.expected, facts: raw.expected.facts ?? [] },
    };
  });
}
