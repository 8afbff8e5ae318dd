import { createRedactor, InvalidEventError, normalizeEvent } from '@triage/core';
import type { NewJob } from './job-queue.js';
import type { Project } from './projects.js';
import type { ServerContext } from './server-context.js';

const redactor = createRedactor();

export interface Accepted {
  ids: string[];
  /** Inputs that could not become events, by position, with the reason; the rest were accepted. */
  errors: Array<{ index: number; error: string }>;
}

/**
 * Normalizes, redacts and durably queues events for a project: when this
 * resolves, every accepted event is in the jobs table (nothing unredacted is
 * ever stored), and any instance's worker will run the pipeline on it.
 */
export async function acceptEvents(
  context: ServerContext,
  project: Project,
  inputs: unknown[],
): Promise<Accepted> {
  const ids: string[] = [];
  const errors: Accepted['errors'] = [];
  const jobs: NewJob[] = [];
  const receivedAt = Date.now();
  inputs.forEach((input, index) => {
    try {
      const event = normalizeEvent(input, { now: () => receivedAt });
      event.tags = { ...event.tags, 'triage.project': project.id };
      const redacted = redactor.event(event);
      ids.push(redacted.id);
      jobs.push({ kind: 'event', payload: JSON.stringify(redacted) });
    } catch (error) {
      if (!InvalidEventError.isInstance(error)) throw error;
      errors.push({ index, error: error.message });
    }
  });
  await context.jobs.enqueue(jobs);
  return { ids, errors };
}
