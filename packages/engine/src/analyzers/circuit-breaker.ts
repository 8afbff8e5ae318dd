/**
 * Stops calling a failing LLM for a while: after `threshold` consecutive
 * failures the circuit opens for `cooldownMs`, then lets one trial call
 * through. Written by hand: one background caller needs only a failure count
 * and a clock, not a library's rolling windows and timers.
 */
export class CircuitBreaker {
  #failures = 0;
  #openUntil = 0;
  #trialInFlight = false;

  constructor(
    readonly threshold = 5,
    readonly cooldownMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Undefined when a call may go ahead (taking the trial call, after the cooldown); otherwise why not. */
  check(): string | undefined {
    const open = this.blocked();
    if (open || this.#failures < this.threshold) return open;
    this.#trialInFlight = true;
    return undefined;
  }

  /** Why a call may not go ahead now, if it may not; unlike `check`, it takes nothing. */
  blocked(): string | undefined {
    if (this.#failures < this.threshold) return undefined;
    if (this.now() < this.#openUntil || this.#trialInFlight) {
      return `LLM circuit open after ${this.#failures} consecutive failures, retrying after ${new Date(this.#openUntil).toISOString()}`;
    }
    return undefined;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#failures++;
    this.#trialInFlight = false;
    if (this.#failures >= this.threshold) this.#openUntil = this.now() + this.cooldownMs;
  }
}
