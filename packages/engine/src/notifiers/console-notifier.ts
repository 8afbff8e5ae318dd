import type { Alert, Notifier } from '../ports/notifier.js';

export interface ConsoleNotifierOptions {
  /** Where the line goes; stdout by default. */
  write?: (text: string) => void;
}

/**
 * One line per alert, for development and log-based alerting:
 * `[triage] ALERT [HIGH] title (P1, 3 events) issue <id>`.
 */
export function createConsoleNotifier({
  write = (text) => process.stdout.write(text),
}: ConsoleNotifierOptions = {}): Notifier {
  return {
    name: 'console',
    async send({ issue, result }: Alert) {
      const { analysis } = result;
      const events = `${issue.count} ${issue.count === 1 ? 'event' : 'events'}`;
      const counts = [issue.priority, events].filter(Boolean).join(', ');
      // A newline in LLM text would forge a second log line.
      const title = analysis.title.replace(/[\r\n]+/g, ' ');
      write(`[triage] ALERT [${analysis.severity.toUpperCase()}] ${title} (${counts}) issue ${issue.id}\n`);
    },
  };
}
