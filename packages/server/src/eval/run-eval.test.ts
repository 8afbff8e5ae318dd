import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeAnalysis, startFakeLlmServer } from '@triage/engine/test';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'triage-eval-'));
const cases = [
  {
    id: '001-pool',
    description: 'pool exhausted',
    source: 'test',
    input: { log: ['ERROR: Connection pool exhausted (10/10 connections active)'] },
    expected: { category: 'resource_exhausted', facts: ['pool', 'no such fact'] },
  },
  {
    id: '002-deadlock',
    description: 'deadlock',
    source: 'test',
    input: { log: ['ERROR: deadlock detected', 'DETAIL: Process 1 waits for ShareLock on transaction 2'] },
    expected: { category: 'concurrency', facts: ['deadlock'] },
  },
];
for (const testCase of cases) writeFileSync(join(dir, `${testCase.id}.json`), JSON.stringify(testCase));

const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { env });

describe('triage eval', () => {
  it('should score the offline rules on the cases, and say when no LLM is configured', async () => {
    const { code, stdout, stderr } = await run(['eval', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('2 cases');
    expect(stdout).toMatch(/\| offline rules \| 2\/2 \(100\.0%\) \| 66\.7% \| \d+ \/ \d+ \| \$0 \|/);
    expect(stderr).toMatch(/no LLM configured/);
  });

  it('should also score the configured LLM, with tokens and cost', async () => {
    const llm = await startFakeLlmServer(() => ({
      content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })),
      usage: { prompt_tokens: 900, completion_tokens: 300 },
    }));
    try {
      const { stdout } = await run(['eval', dir, '--json'], {
        GROQ_API_KEY: 'gsk_x',
        TRIAGE_LLM_BASE_URL: llm.groqUrl,
      });
      const [offline, online] = JSON.parse(stdout);
      expect(offline.accuracy).toBe(1);
      expect(online.name).toBe('groq/meta-llama/llama-4-scout-17b-16e-instruct');
      // The fake model always says resource_exhausted: right for one case of two.
      expect(online.accuracy).toBe(0.5);
      expect(online.costUsd).toBeCloseTo((2 * (900 * 0.11 + 300 * 0.34)) / 1e6, 12);
      expect(llm.requests).toHaveLength(2);
    } finally {
      await llm.close();
    }
  });

  it('should refuse a directory without cases', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'triage-eval-empty-'));
    const { code, stderr } = await run(['eval', empty]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^triage: no cases/);
  });
});
