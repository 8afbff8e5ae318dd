import { writeSync } from 'node:fs';
import type { Scope } from './scope.js';

export type SummaryMode = 'all' | 'errors' | 'none';
export type SummarySink = (line: string) => void;

/** `[triage] src/api/widget_chat.ts HandleWidgetChat completed in 45ms (errors=true)` */
export function summaryLine(scope: Scope): string {
  const where = [scope.options.file, scope.options.func].filter(Boolean).join(' ') || 'scope';
  const ms = scope.durationMs < 10 ? scope.durationMs.toFixed(1) : String(Math.round(scope.durationMs));
  // The write-up's line; a scope an uncaught exception ended did not complete.
  const how = scope.endedBy === 'crash' ? `crashed after ${ms}ms` : `completed in ${ms}ms`;
  return `[triage] ${where} ${how} (errors=${scope.hasErrors()})`;
}

/**
 * Buffers ended scopes and writes their summary lines in one batch on a later
 * tick: the request path pays for an array push, not for formatting or I/O.
 */
export class SummaryWriter {
  #pending: Scope[] = [];
  #scheduled = false;
  /** Lines not written because 10,000 were already waiting (the event loop is starved). */
  dropped = 0;

  constructor(
    readonly mode: SummaryMode,
    readonly write: (lines: string[]) => void,
    readonly onError: (error: unknown) => void,
  ) {}

  add(scope: Scope): void {
    if (this.mode === 'none' || (this.mode === 'errors' && !scope.hasErrors())) return;
    if (this.#pending.length >= 10_000) {
      this.dropped++;
      return;
    }
    this.#pending.push(scope);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    try {
      this.write(batch.map(summaryLine));
    } catch (error) {
      this.onError(error);
    }
  }
}

/** Set once stdout has no reader or no descriptor left: the summary lines have nowhere to go. */
let stdoutGone = false;

/**
 * One write per batch to stdout, straight to its descriptor. Not through `process.stdout`: a write
 * there that fails (EPIPE, when the reader of a pipe left, as `| head` does) emits 'error' on the
 * host's stream, and with no listener that ends the host. A failed `fs.writeSync` only throws, here.
 */
export function writeToStdout(lines: string[]): void {
  if (stdoutGone) return;
  const data = Buffer.from(`${lines.join('\n')}\n`);
  try {
    for (let offset = 0; offset < data.length; ) offset += writeSync(1, data, offset, data.length - offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    // The reader left, or the host closed stdout: as for the host's own lines, nothing to report.
    if (code === 'EPIPE' || code === 'EBADF') {
      stdoutGone = true;
      return;
    }
    throw error;
  }
}
