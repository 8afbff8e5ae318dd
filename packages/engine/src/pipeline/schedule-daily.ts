/**
 * Runs `task` every day at `hourUtc`:00 UTC (the daily digest). Timers are
 * unref'ed, so a schedule never keeps the process alive. Returns a cancel function.
 */
export function scheduleDaily(hourUtc: number, now: () => number, task: () => void): () => void {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) {
    throw new RangeError(`digestHourUtc must be an hour 0–23, got ${hourUtc}`);
  }
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const current = now();
    const next = new Date(current);
    next.setUTCHours(hourUtc, 0, 0, 0);
    if (next.getTime() <= current) next.setUTCDate(next.getUTCDate() + 1);
    timer = setTimeout(() => {
      task();
      arm();
    }, next.getTime() - current);
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
