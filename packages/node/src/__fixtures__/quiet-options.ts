import type { AnalysisReport } from '@triage/engine';
import { afterEach } from 'vitest';
import { createTriage, type Triage, type TriageOptions } from '../triage.js';

/**
 * A client for tests of what reaches the engine: in process, alerting nobody, printing nothing,
 * keeping no crashes, and handing each analysis to `reports`.
 */
export function quietOptions(reports: AnalysisReport[]): TriageOptions {
  return {
    summary: 'none',
    crashDirectory: false,
    captureCrashes: false,
    onAnalysis: (report) => void reports.push(report),
    engine: { notifiers: [] },
  };
}

/**
 * For a test file: `client(options)` makes a quiet client (with `defaults`, then `options`) and its
 * reports; every client made is closed after each test.
 */
export function quietClients(defaults: Partial<TriageOptions> = {}) {
  const clients: Triage[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });
  return (options: Partial<TriageOptions> = {}) => {
    const reports: AnalysisReport[] = [];
    const triage = createTriage({ ...quietOptions(reports), ...defaults, ...options });
    clients.push(triage);
    return { triage, reports };
  };
}
