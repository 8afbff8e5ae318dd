import { createPseudonymizer, type TriageEvent } from '@triage/core';
import type { JobQueue } from './job-queue.js';
import type { NewJob } from './job-row.js';
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
 * The requests of one event-loop turn are prepared together at the end of the
 * turn, and their jobs written in one insert (JobQueue.enqueue). Preparing
 * them one after another, rather than each between the reads and writes of its
 * own request, made the same work cheaper: at 50 connections the event loop
 * spent less CPU per request (bench/README.md, "Ingest").
 *
 * It runs on the event loop. On a thread with its own SQLite connection (as
 * it did for a while) ingest was slower, not faster: on two cores the event
 * loop, the thread and the clients competed for the CPU, and each batch paid
 * for copying the events over and for waking the thread and the event loop.
 */
interface Settle {
  resolve: (accepted: Accepted) => void;
  reject: (error: unknown) => void;
}

export class EventWriter {
  #turn: Array<Settle & { project: Project; inputs: unknown[] }> = [];

  readonly #pseudonymize: (event: TriageEvent) => TriageEvent;

  /** `userKeySecret`: the key of the users' pseudonyms, the same in every instance (`SqlStore.userKeySecret`). */
  constructor(
    readonly jobs: JobQueue,
    userKeySecret: string,
  ) {
    this.#pseudonymize = createPseudonymizer(userKeySecret);
  }

  accept(project: Project, inputs: unknown[]): Promise<Accepted> {
    return new Promise((resolve, reject) => {
      if (this.#turn.push({ project, inputs, resolve, reject }) === 1)
        setImmediate(() => this.#prepareTurn());
    });
  }

  #prepareTurn(): void {
    const requests = this.#turn;
    this.#turn = [];
    const receivedAt = Date.now();
    const jobs: NewJob[] = [];
    const prepared: Array<Settle & { accepted: Accepted }> = [];
    for (const { project, inputs, resolve, reject } of requests) {
      try {
        const { ids, errors, payloads } = prepareEvents(project.id, inputs, receivedAt, this.#pseudonymize);
        for (const payload of payloads) jobs.push({ kind: 'event', payload });
        prepared.push({ accepted: { ids, errors }, resolve, reject });
      } catch (error) {
        // A bug in preparing one request's events fails that request only.
        reject(error);
      }
    }
    this.jobs.enqueue(jobs).then(
      () => {
        for (const request of prepared) request.resolve(request.accepted);
      },
      (error: unknown) => {
        for (const request of prepared) request.reject(error);
      },
    );
  }
}
