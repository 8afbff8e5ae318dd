import { describe, expect, it } from 'vitest';
import { fakeAlert } from '../test/fake-notification-servers.js';
import { createConsoleEmailNotifier } from './console-email-notifier.js';

describe('createConsoleEmailNotifier', () => {
  it('should print a regressed issue’s email marked, with when it was resolved and the note', async () => {
    const printed: string[] = [];
    const notifier = createConsoleEmailNotifier({
      to: 'ops@example.com',
      write: (text) => printed.push(text),
    });
    await notifier.send(
      fakeAlert({
        analysis: { severity: 'critical', title: 'Connection pool exhausted' },
        issue: {
          status: 'regressed',
          resolvedAt: Date.UTC(2026, 0, 5, 10, 6),
          resolutionNote: 'fixed the pool size',
        },
      }),
    );
    const [header, subject, regressed] = printed.join('').split('\n');
    expect(header).toBe('EMAIL TO: ops@example.com');
    expect(subject).toBe('SUBJECT: [CRITICAL] Regressed: Connection pool exhausted');
    expect(regressed).toBe('Regressed: resolved 2026-01-05T10:06:00.000Z: fixed the pool size');
  });
});
