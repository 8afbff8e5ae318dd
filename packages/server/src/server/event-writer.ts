import type { JobQueue } from './job-queue.js';
import { prepareEvents } from './prepare-events.js';
import type { Project } from './projects.js';

export interface Accepted {
  ids: string[];
  /** Inputs that could not become events, by position, with the reason; the rest were accepted. */
  errors: Array<{ index: number; error: string }>;
}

/**
 * Where ingest hands a project's events: when `accept` resolves, every
 * accepted event is normalized, redacted (nothing unredacted is ever stored)
 * and durably queued as a job, and any instance's worker will run the pipeline
 * on it. The jobs of the requests of one event-loop turn are written in one
 * insert (JobQueue.enqueue).
 *
 * It runs on the event loop. On a thread with its own SQLite connection (as
 * it did for a while) ingest was slower, not faster: on two cores the event
 * loop, the thread and the clients competed for the CPU, and each batch paid
 * for copying the events over and for waking the thread and the event loop
 * (bench/README.md, "Ingest").
 */
export class EventWriter {
  constructor(readonly jobs: JobQueue) {}

  async accept(project: Project, inputs: unknown[]): Promise<Accepted> {
    const { ids, errors, payloads } = prepareEvents(project.id, inputs, Date.now());
    await this.jobs.enqueue(payloads.map((payload) => ({ kind: 'event', payload })));
    return { ids, errors };
  }
}
