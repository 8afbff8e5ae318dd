import type { Alert, Notifier } from '../ports/notifier.js';
import { renderAlertEmail } from './render-alert-email.js';

export interface ConsoleEmailOptions {
  to: string;
  write?: (text: string) => void;
  dashboardUrl?: string;
}

/** With no mail server configured, prints the email as the write-up's example does (`EMAIL TO: … SUBJECT: …`). */
export function createConsoleEmailNotifier({
  to,
  write = (text) => process.stdout.write(text),
  dashboardUrl,
}: ConsoleEmailOptions): Notifier {
  return {
    name: 'console-email',
    async send(alert: Alert) {
      const email = renderAlertEmail(alert, dashboardUrl);
      write(`EMAIL TO: ${to}\nSUBJECT: ${email.subject}\n${email.text}\n\n`);
    },
    async sendDigest(digest) {
      write(`EMAIL TO: ${to}\nSUBJECT: ${digest.subject}\n${digest.text}\n\n`);
    },
  };
}
