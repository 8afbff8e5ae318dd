import type { Alert, Notifier } from '../ports/notifier.js';

/** A notifier that keeps what it was sent, for tests (like OpenTelemetry's InMemorySpanExporter). */
export interface MemoryNotifier extends Notifier {
  readonly alerts: Alert[];
}

export function createMemoryNotifier({ fail = false }: { fail?: boolean } = {}): MemoryNotifier {
  const alerts: Alert[] = [];
  return {
    name: 'memory',
    alerts,
    async send(alert) {
      if (fail) throw new Error('memory notifier configured to fail');
      alerts.push(alert);
    },
  };
}
