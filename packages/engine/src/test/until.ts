/**
 * Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs` has passed (false), for
 * tests that wait on another process, a thread or a timer: assert on the answer.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  intervalMs = 20,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}
