/** How long a long piece of ingest work runs before the event loop gets a turn. */
export const SLICE_MS = 10;

/**
 * Requests whose decoded body is larger than this are parsed, prepared and stored in slices: one
 * holding a hundred events of a megabyte each took seconds, all that time holding every other
 * request (bench/README.md, "One large request"). Smaller ones take the hot path in one go.
 */
export const SLICED_BODY_BYTES = 1024 * 1024;

export interface TimeSlices {
  /** True once the current slice has run `sliceMs`. */
  due(): boolean;
  /** Lets the event loop turn (I/O, timers, other requests), then starts a new slice. */
  pause(): Promise<void>;
}

/**
 * Cuts a long loop on the event loop into slices: `if (slices.due()) await slices.pause()` between
 * items. One large request (a batch of a hundred 1 MB events) was otherwise read in one go, and every
 * other request waited seconds for it (bench/README.md, "One large request").
 */
export function timeSlices(sliceMs = SLICE_MS): TimeSlices {
  let start = Date.now();
  return {
    due: () => Date.now() - start >= sliceMs,
    pause: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          start = Date.now();
          resolve();
        }),
      ),
  };
}
