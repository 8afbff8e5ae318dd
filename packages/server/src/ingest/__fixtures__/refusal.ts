import { IngestError } from '../ingest-error.js';

/** The IngestError `run` throws (fails the test if it throws anything else, or nothing). */
export function refusal(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (IngestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an IngestError, but nothing was thrown');
}

/** The IngestError the promise rejects with. */
export async function asyncRefusal(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    if (IngestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an IngestError, but the promise resolved');
}
