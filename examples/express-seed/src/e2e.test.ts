import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fakeAnalysis, startFakeLlmServer } from '@triage/engine/test';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpCapture } from '../../../test-helpers/smtp-capture.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const children: ChildProcess[] = [];

/** Starts the built example as a real process and waits for its listening line. */
async function startApp(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /Server listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${stderr}`)));
  });
  return { child, url, output: () => stdout, errors: () => stderr };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe("the write-up's example app (examples/express-seed)", () => {
  it('should answer 500 without waiting for the analysis, then email the diagnosis and record the issue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const llm = await startFakeLlmServer(async () => {
      await gate;
      return {
        content: JSON.stringify(
          fakeAnalysis({ evidence: ['ERROR: Connection pool exhausted (10/10 connections active)'] }),
        ),
      };
    });
    const smtp = await startSmtpCapture();
    try {
      const app = await startApp({
        GROQ_API_KEY: 'gsk_example_fake_key',
        TRIAGE_LLM_BASE_URL: llm.groqUrl,
        TRIAGE_SMTP_URL: smtp.url,
        TRIAGE_ALERT_TO: 'admin@yourcompany.com',
      });

      const failed = await fetch(`${app.url}/api/protected?user_id=999`);
      // The LLM has not answered (its gate is shut), yet the response is already here.
      expect(failed.status).toBe(500);
      expect(await failed.text()).toBe('Internal server error\n');
      expect(smtp.messages).toHaveLength(0);

      await until(() => llm.requests.length === 1, 'the LLM request');
      expect(llm.requests[0]?.prompt).toContain(
        'ERROR: Connection pool exhausted (10/10 connections active)',
      );
      release();

      const [mail] = await smtp.waitForMessages(1);
      expect(mail?.subject).toBe('[HIGH] Database connection pool exhausted');
      expect(mail?.to).toMatchObject({ text: 'admin@yourcompany.com' });
      expect(mail?.text).toContain('## Root Cause');
      expect(mail?.text).toContain('Increase the pool size from 10 to 20');

      // Tracking follows the alert: poll until the issue carries its analysis.
      let issues: Array<Record<string, unknown>> = [];
      await until(async () => {
        issues = (await (await fetch(`${app.url}/api/issues`)).json()) as typeof issues;
        return issues.length === 1 && Boolean(issues[0]?.analysis);
      }, 'the tracked issue');
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({
        title: 'Database connection pool exhausted',
        priority: 'P1',
        status: 'new',
        source: 'llm-self-analysis',
        function: 'ProtectedHandler',
        count: 1,
      });
      expect(issues[0]?.description).toContain('**LLM Analysis:**');

      expect(app.output()).toMatch(
        /\[triage\] examples\/express-seed\/src\/app\.ts ProtectedHandler completed in [\d.]+ms \(errors=true\)/,
      );
      expect((await fetch(`${app.url}/api/protected`)).status).toBe(400);
      const ok = await fetch(`${app.url}/api/protected?user_id=42`);
      expect(await ok.text()).toBe('Success for user 42\n');

      app.child.kill('SIGTERM');
      const code = await new Promise((resolve) => app.child.once('exit', resolve));
      expect(code).toBe(0);
    } finally {
      release();
      await llm.close();
      await smtp.close();
    }
  });

  it('should diagnose offline and print the email when no LLM or mail server is configured', async () => {
    const app = await startApp({});
    expect((await fetch(`${app.url}/api/protected?user_id=999`)).status).toBe(500);
    await until(() => app.output().includes('EMAIL TO: admin@localhost'), 'the printed email');
    await until(() => app.output().includes('Analyzed by Triage'), 'the analysis in the printed email');
    const output = app.output();
    expect(output).toContain('Warning: GROQ_API_KEY not set, the offline rules will diagnose errors');
    expect(output).toMatch(/SUBJECT: \[(HIGH|CRITICAL)\] .*in ProtectedHandler/);
    expect(output).toContain("Analyzed by Triage's offline rules");
  });
});
