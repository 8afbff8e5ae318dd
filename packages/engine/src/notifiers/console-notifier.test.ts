import { describe, expect, it } from 'vitest';
import { fakeAlert } from '../test/fake-notification-servers.js';
import { createConsoleNotifier } from './console-notifier.js';

describe('createConsoleNotifier', () => {
  it('should write one line per alert with severity, title, priority, count and issue id', async () => {
    const lines: string[] = [];
    const notifier = createConsoleNotifier({ write: (text) => lines.push(text) });
    await notifier.send(fakeAlert({ analysis: { severity: 'high', title: 'Connection pool exhausted' } }));
    expect(lines).toEqual(['[triage] ALERT [HIGH] Connection pool exhausted (P1, 3 events) issue issue-1\n']);
  });

  it('should keep a multi-line title on one line and handle a single event without priority', async () => {
    const lines: string[] = [];
    const notifier = createConsoleNotifier({ write: (text) => lines.push(text) });
    await notifier.send(
      fakeAlert({
        analysis: { severity: 'low', title: 'Pool exhausted\n[triage] ALERT forged' },
        issue: { priority: undefined, count: 1, id: 'issue-9' },
      }),
    );
    expect(lines).toEqual([
      '[triage] ALERT [LOW] Pool exhausted [triage] ALERT forged (1 event) issue issue-9\n',
    ]);
  });
});
