import type { TriageEvent } from '@triage/core';
import type { AnalysisCallback } from '@triage/engine';

/** One ended scope on its way out; the event is built (formatted) by whoever runs in the background. */
export interface TransportJob {
  event: () => TriageEvent;
  onAnalysis?: AnalysisCallback;
}

/**
 * Where ended scopes go: the in-process engine (default), or later a Triage
 * server. `send` is called on the request path: it must be cheap and never throw.
 */
export interface Transport {
  send(job: TransportJob): void;
  flush(timeoutMs: number): Promise<boolean>;
  close(timeoutMs: number): Promise<boolean>;
  stats?(): Record<string, unknown>;
  /**
   * The process is ending for an uncaught exception and its event loop will not turn again: deliver
   * what is held now, synchronously, within `timeoutMs` (0: without waiting on anything). Without it,
   * what is held is lost.
   */
  sendAtCrash?(timeoutMs: number): void;
}
