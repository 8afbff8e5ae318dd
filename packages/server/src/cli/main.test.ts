import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startFakeLlmServer } from '@triage/engine/test';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(
  argv: string[],
  { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'triage-cli-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const POOL_LOG = [
  '[2025-11-18 14:32:15] INFO: Request from 10.0.0.1',
  '[2025-11-18 14:32:15] ERROR: Database connection timeout when fetching user_id=999',
  '[2025-11-18 14:32:15] ERROR: Connection pool exhausted (10/10 connections active)',
].join('\n');

describe('triage diagnose', () => {
  it('should read stdin and print the markdown analysis', async () => {
    const { code, stdout, stderr } = await run(['diagnose'], { stdin: POOL_LOG });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('## Root Cause');
    expect(stdout).toContain('## Prevention');
    expect(stdout).toContain("Analyzed by Triage's offline rules");
  });

  it('should print the structured analysis with --json, from a JSON event file', async () => {
    const path = file('event.json', JSON.stringify({ log: POOL_LOG.split('\n') }));
    const { code, stdout } = await run(['diagnose', '--json', path]);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed).toMatchObject({ category: 'resource_exhausted', meta: { analyzer: 'offline' } });
    expect(parsed.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(parsed.evidence.length).toBeGreaterThan(0);
  });

  it('should use the configured LLM, and --offline should bypass it', async () => {
    const llm = await startFakeLlmServer();
    try {
      const env = { GROQ_API_KEY: 'gsk_x', TRIAGE_LLM_BASE_URL: llm.groqUrl };
      const online = await run(['diagnose', '--json'], { stdin: POOL_LOG, env });
      expect(JSON.parse(online.stdout).meta).toMatchObject({
        analyzer: 'llm',
        provider: 'groq',
        promptVersion: 'v1',
      });
      const offline = await run(['diagnose', '--json', '--offline'], { stdin: POOL_LOG, env });
      expect(JSON.parse(offline.stdout).meta).toMatchObject({ analyzer: 'offline', notes: [] });
      expect(llm.requests).toHaveLength(1);
    } finally {
      await llm.close();
    }
  });

  it('should redact secrets before anything is printed or sent', async () => {
    const { stdout } = await run(['diagnose', '--json'], {
      stdin: 'ERROR: login failed for jane@example.com with password=hunter2',
    });
    expect(stdout).not.toContain('jane@example.com');
    expect(stdout).not.toContain('hunter2');
  });

  it.each([
    [
      'a missing file',
      ['diagnose', join(dir, 'nope.log')],
      '',
      /^triage: cannot read .*nope\.log: no such file\n$/,
    ],
    ['malformed JSON', ['diagnose', file('bad.json', '{"log": [\n"x",\n')], '', /^triage: not valid JSON: /],
    [
      'binary garbage',
      ['diagnose', file('bin.dat', Buffer.alloc(4096, 0))],
      '',
      /^triage: input looks binary/,
    ],
    ['an empty log', ['diagnose'], '  \n', /^triage: the input is empty/],
    ['an unknown option', ['diagnose', '--frobnicate'], POOL_LOG, /^triage: Unknown option '--frobnicate'/],
    ['an unknown command', ['frobnicate'], '', /^triage: unknown command "frobnicate"/],
    ['a bad LLM setting', ['diagnose'], POOL_LOG, /^triage: TRIAGE_LLM_PROVIDER must be one of/],
  ])('should answer %s with one line on stderr and exit 2', async (_name, argv, stdin, message) => {
    const env: Record<string, string> =
      _name === 'a bad LLM setting' ? { TRIAGE_LLM_PROVIDER: 'skynet' } : {};
    const { code, stdout, stderr } = await run(argv, { stdin, env });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')[0]).not.toMatch(/^\s+at /);
  });

  it('should work as a real command in a pipe (kubectl logs pod | npx triage diagnose)', async () => {
    const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, 'diagnose'],
        { env: { PATH: process.env.PATH } },
        (error, out) => resolve({ stdout: out, code: error ? (error.code as number) : 0 }),
      );
      child.stdin?.end(POOL_LOG);
    });
    expect(code).toBe(0);
    expect(stdout).toContain('## Remediation Steps');
  });
});
