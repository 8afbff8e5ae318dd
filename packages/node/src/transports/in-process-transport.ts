import type { Engine, EngineOptions } from '@triage/engine';
import type { Transport, TransportJob } from './transport.js';

export interface InProcessTransportOptions {
  engine: EngineOptions;
  /** Counted and logged by the client. */
  onFailure: (stage: string, error: unknown) => void;
  onDrop: (reason: string, count: number) => void;
  /** Jobs held while the engine module loads. */
  maxWaiting?: number;
}

/**
 * Runs the pipeline inside the application's process. The engine module is
 * imported on first need, so an application that never fails never loads it.
 */
export class InProcessTransport implements Transport {
  readonly #options: InProcessTransportOptions;
  #engine?: Engine;
  #loading?: Promise<Engine>;
  #waiting: TransportJob[] = [];
  /** Set once the engine failed to start: what was sent is lost, and flush says so. */
  #lost = false;

  constructor(options: InProcessTransportOptions) {
    this.#options = options;
  }

  send(job: TransportJob): void {
    if (this.#engine) {
      this.#engine.submit({ input: job.event, onAnalysis: job.onAnalysis });
      return;
    }
    if (this.#waiting.length >= (this.#options.maxWaiting ?? 1_000)) {
      this.#waiting.shift();
      this.#options.onDrop('engine-loading', 1);
    }
    this.#waiting.push(job);
    this.ready().catch(() => {});
  }

  /** The engine, loaded on first call; rejects on a configuration error. */
  ready(): Promise<Engine> {
    if (this.#engine) return Promise.resolve(this.#engine);
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.#engine && !this.#loading) return !this.#lost;
    const deadline = Date.now() + timeoutMs;
    const engine = await withTimeout(this.ready(), timeoutMs).catch(() => undefined);
    if (!engine) return false;
    return engine.flush(Math.max(0, deadline - Date.now()));
  }

  async close(timeoutMs: number): Promise<boolean> {
    const flushed = await this.flush(timeoutMs);
    await this.#engine?.close(timeoutMs);
    return flushed;
  }

  stats(): Record<string, unknown> {
    return { ...this.#engine?.stats() };
  }

  async #load(): Promise<Engine> {
    try {
      const { createEngine } = await import('@triage/engine');
      const engine = createEngine(this.#options.engine);
      this.#engine = engine;
      for (const job of this.#waiting.splice(0))
        engine.submit({ input: job.event, onAnalysis: job.onAnalysis });
      return engine;
    } catch (error) {
      this.#lost = true;
      this.#options.onDrop('engine-unavailable', this.#waiting.splice(0).length);
      this.#loading = undefined;
      this.#options.onFailure('engine start', error);
      throw error;
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
