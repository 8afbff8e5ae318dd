import { errorText } from '../analyzers/scrub-secrets.js';

/** Where the engine writes its own diagnostics; never the host's logger. */
export type DiagnosticsSink = (line: string) => void;

export const stderrSink: DiagnosticsSink = (line) => {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // Nowhere left to report to; the failure is still counted.
  }
};

/**
 * Counts every internal failure and logs each kind once per interval, so a
 * storm of the same failure neither floods the host's logs nor goes unseen.
 */
export class FailureReporter {
  readonly counts: Record<string, number> = {};
  readonly #lastLogged = new Map<string, number>();

  constructor(
    readonly sink: DiagnosticsSink = stderrSink,
    readonly intervalMs = 60_000,
  ) {}

  report(stage: string, error: unknown): void {
    this.counts[stage] = (this.counts[stage] ?? 0) + 1;
    const raw = error instanceof Error ? error.message : String(error);
    const key = `${stage}\u0000${raw}`;
    const now = Date.now();
    const last = this.#lastLogged.get(key);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.#lastLogged.set(key, now);
    if (this.#lastLogged.size > 1_000) this.#lastLogged.clear();
    const total = this.counts[stage];
    // Redacted as events are: a provider's or a mail server's error can quote a key or a URL's password.
    const message = errorText(error);
    try {
      this.sink(`[triage] ${stage} failed: ${message} (${total} so far; the pipeline carries on)`);
    } catch {
      // A throwing sink must not turn a counted failure into a crash.
    }
  }

  /** Counts an event that was deliberately not processed, with why. */
  drop(reason: string): void {
    this.counts[`dropped:${reason}`] = (this.counts[`dropped:${reason}`] ?? 0) + 1;
  }
}
