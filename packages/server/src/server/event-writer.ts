import { createPseudonymizer, type TriageEvent } from '@triage/core';
import { SLICE_MS, SLICED_BODY_BYTES, timeSlices } from '../ingest/index.js';
import type { JobQueue } from './job-queue.js';
import { addPrepared, type PreparedEvents, prepareEvents } from './prepare-events.js';
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
  readonly #userKeySecret: string;
  /** A pseudonymizer per project key: the Node SDK keys its users' pseudonyms with its DSN's key. */
  readonly #pseudonymizers = new Map<string, (event: TriageEvent) => TriageEvent>();
  readonly #sliceMs: number;

  /**
   * `userKeySecret`: the key of the users' pseudonyms, the same in every instance (`SqlStore.userKeySecret`).
   * `sliceMs`: how long a large request is prepared before the event loop gets a turn (SLICE_MS).
   */
  constructor(
    readonly jobs: JobQueue,
    userKeySecret: string,
    { sliceMs = SLICE_MS }: { sliceMs?: number } = {},
  ) {
    this.#userKeySecret = userKeySecret;
    this.#sliceMs = sliceMs;
  }

  /**
   * The project's pseudonymizer: keyed with the project's key first, as the Node SDK does before it
   * sends, then with the server's secret, so that a user counts once whichever SDK reported it.
   */
  #pseudonymizerOf(project: Project): (event: TriageEvent) => TriageEvent {
    let pseudonymize = this.#pseudonymizers.get(project.publicKey);
    if (!pseudonymize) {
      // Rotated keys leave theirs behind: a bound, not a cache policy.
      if (this.#pseudonymizers.size >= 1_000) this.#pseudonymizers.clear();
      pseudonymize = createPseudonymizer(this.#userKeySecret, { clientKey: project.publicKey });
      this.#pseudonymizers.set(project.publicKey, pseudonymize);
    }
    return pseudonymize;
  }

  /**
   * Rejects (that request only) if preparing its events meets a bug rather than an invalid event.
   * `bodyBytes`, the size of the decoded body, tells a large request (SLICED_BODY_BYTES), whose
   * events are prepared a slice of time at a time, from the others, prepared with their commit.
   */
  accept(project: Project, inputs: unknown[], bodyBytes = 0): Promise<Accepted> {
    const receivedAt = Date.now();
    if (bodyBytes > SLICED_BODY_BYTES) return this.#acceptInSlices(project, inputs, receivedAt);
    return this.jobs.enqueueMade(inputs.length, () => {
      const { ids, errors, payloads } = prepareEvents(
        project.id,
        inputs,
        receivedAt,
        this.#pseudonymizerOf(project),
      );
      return { jobs: payloads.map((payload) => ({ kind: 'event', payload })), value: { ids, errors } };
    });
  }

  /**
   * Prepares the events of a large request a slice of time at a time and stores each slice's before
   * the next: a hundred 1 MB events inserted in one statement would hold the event loop for as long
   * as SQLite takes to write 100 MB. The request is answered once all are stored. A crash half-way
   * leaves the first slices stored: the client, unanswered, sends them again, and an event sent again
   * with its id is recognised.
   */
  async #acceptInSlices(project: Project, inputs: unknown[], receivedAt: number): Promise<Accepted> {
    const prepared: PreparedEvents = { ids: [], errors: [], payloads: [] };
    const pseudonymize = this.#pseudonymizerOf(project);
    const slices = timeSlices(this.#sliceMs);
    let stored = 0;
    const storeSlice = async () => {
      const payloads = prepared.payloads.slice(stored);
      stored = prepared.payloads.length;
      await this.jobs.enqueue(payloads.map((payload) => ({ kind: 'event', payload })));
    };
    for (const [index, input] of inputs.entries()) {
      if (slices.due()) {
        await storeSlice();
        await slices.pause();
      }
      addPrepared(prepared, index, project.id, input, receivedAt, pseudonymize);
    }
    await storeSlice();
    return { ids: prepared.ids, errors: prepared.errors };
  }
}
