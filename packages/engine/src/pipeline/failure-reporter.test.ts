import { describe, expect, it } from 'vitest';
import { FailureReporter } from './failure-reporter.js';

describe('FailureReporter', () => {
  it('should redact what it writes: an error can quote a key or a URL with its password', () => {
    const lines: string[] = [];
    const reporter = new FailureReporter((line) => lines.push(line));
    reporter.report('email', new Error('connect failed: smtp://mailer:s3cret-pass@mail.example.com:587'));
    reporter.report(
      'llm',
      new Error('401 from proxy: Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345'),
    );
    expect(lines.join('\n')).not.toMatch(/s3cret-pass|abcdefghijklmnopqrstuvwxyz012345/);
    expect(lines[0]).toMatch(
      /^\[triage\] email failed: connect failed: smtp:\/\/.*@mail\.example\.com:587 \(1 so far/,
    );
  });
});
