import { createPseudonymizer, type TriageEvent } from '@triage/core';
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
 * on it.
 *
 * A request's events are prepared when the group commit they join is written
 * (JobQueue.enqueueMade), together with the other requests of that commit, one
 * after another. Preparing each between the reads and writes of its own
 * request, or a few at the end of every turn, cost the event loop more for the
 * same work: with ten clients about 1.4 times as much per event as the fifty
 * requests of a commit at fifty clients (bench/README.md, "Preparing a commit's events together").
 *
 * It runs on the event loop. On a thread with its own SQLite connection (as
 * it did for a while) ingest was slower, not faster: on two cores the event
 * loop, the thread and the clients competed for the CPU, and each batch paid
 * for copying the events over and for waking the thread and the event loop.
 */
export class EventWriter {
  readonly #pseudonymize: (event: TriageEvent) => TriageEvent;

  /** `userKeySecret`: the key of the users' pseudonyms, the same in every instance (`SqlStore.userKeySecret`). */
  constructor(
    readonly jobs: JobQueue,
    userKeySecret: string,
  ) {
    this.#pseudonymize = createPseudonymizer(userKeySecret);
  }

  /** Rejects (that request only) if preparing its events meets a bug rather than an invalid event. */
  accept(project: Project, inputs: unknown[]): Promise<Accepted> {
    const receivedAt = Date.now();
    return this.jobs.enqueueMade(inputs.length, () => {
      const { ids, errors, payloads } = prepareEvents(project.id, inputs, receivedAt, this.#pseudonymize);
      return { jobs: payloads.map((payload) => ({ kind: 'event', payload })), value: { ids, errors } };
    });
  }
}
