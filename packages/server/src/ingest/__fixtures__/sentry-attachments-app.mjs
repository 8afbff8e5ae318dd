// The real @sentry/node SDK reporting five errors one after another, each with an attachment of
// TRIAGE_ATTACHMENT_BYTES (default 700,000), to the DSN in TRIAGE_SENTRY_DSN. Each report is flushed
// before the next, so the SDK reads each answer's rate limits before it sends again. Runs as a child
// process so the SDK never instruments the test runner.
import * as Sentry from '@sentry/node';

const dsn = process.env.TRIAGE_SENTRY_DSN;
if (!dsn) throw new Error('TRIAGE_SENTRY_DSN is not set');
const bytes = Number(process.env.TRIAGE_ATTACHMENT_BYTES ?? 700_000);

Sentry.init({ dsn, sendClientReports: false, defaultIntegrations: false });
for (let report = 1; report <= 5; report++) {
  Sentry.withScope((scope) => {
    scope.addAttachment({ filename: 'heap.txt', data: `${report}`.padEnd(bytes, 'x') });
    Sentry.captureException(new Error(`export ${report} failed`));
  });
  if (!(await Sentry.flush(10_000))) throw new Error(`report ${report} was not sent within 10 s`);
}
await Sentry.close(5_000);
