import type { AnalysisReport } from '@triage/engine';
import type { TriageOptions } from '../triage.js';

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
