import { describe, expect, it } from 'vitest';
import { extractJson, MAX_EXTRACT_CHARS } from './extract-json.js';

const analysisLike = (value: unknown) =>
  typeof value === 'object' && value !== null && 'title' in value && !('draft' in value);

describe('extractJson', () => {
  it('should find nothing in an unclosed fence before a long run of whitespace (JSON mode run away)', () => {
    // The fence regex backtracked quadratically on these (in a reviewer's throwaway script, 40,000
    // spaces took 383 ms); the scan is linear, and reads the first 64 KiB only (below). Only the answer
    // is checked here: no time is asserted on these noisy machines (that regex, put back by a test
    // auditor, passed in 3.3 s), and the window's test bounds the work.
    for (const text of [`\`\`\`json${' '.repeat(100_000)}{"title": "x"`, `\`\`\`${'\n'.repeat(150_000)}`])
      expect(extractJson(text)).toBeUndefined();
  });

  it('should look at the first 64 KiB only', () => {
    expect(extractJson(`${' '.repeat(70 * 1024)}{"title": "x"}`)).toBeUndefined();
    expect(extractJson(`${' '.repeat(1024)}{"title": "x"}`)).toEqual({ title: 'x' });
  });

  it('should find the answer after thinking longer than the window it looks through', () => {
    const thinking = `<think>${'the pool {size} is full; '.repeat(3_000)}</think>`;
    expect(thinking.length).toBeGreaterThan(MAX_EXTRACT_CHARS);
    expect(extractJson(`${thinking}\n{"title": "Pool"}`, analysisLike)).toEqual({ title: 'Pool' });
  });

  it("should skip a reasoning model's <think> block, braces and all", () => {
    expect(
      extractJson('<think>the log says {pool} is full</think>\n{"title": "Pool"}', analysisLike),
    ).toEqual({
      title: 'Pool',
    });
  });

  it('should try every fenced block, the last first, and take the one that validates', () => {
    const text =
      'Checking the shape:\n```\n{"draft": true}\n```\nFinal:\n```json\n{"title": "Pool"}\n```\nDone.';
    expect(extractJson(text, analysisLike)).toEqual({ title: 'Pool' });
    // Given last, the draft is passed over for the answer that validates.
    const draftLast = '```json\n{"title": "Pool"}\n```\nAnd a draft:\n```\n{"draft": true}\n```';
    expect(extractJson(draftLast, analysisLike)).toEqual({ title: 'Pool' });
  });

  it('should find a balanced object among prose holding braces', () => {
    expect(
      extractJson('Here: {"title": "Pool {10/10}"}\nNote: the handler reads {domain}.', analysisLike),
    ).toEqual({
      title: 'Pool {10/10}',
    });
    expect(extractJson('{"draft": true} then {"title": "x"}', analysisLike)).toEqual({ title: 'x' });
  });

  it('should answer with the first object that parsed when none validates (the repair round names the fault)', () => {
    expect(extractJson('```json\n{"severity": "urgent"}\n```', analysisLike)).toEqual({ severity: 'urgent' });
    expect(extractJson('no JSON here')).toBeUndefined();
  });
});
