import type { TriageEvent } from '@triage/core';

export interface BudgetOptions {
  /** USD per UTC day for all LLM analyses. */
  dailyUsd?: number;
  /** USD per UTC day for one handler (source file + function). */
  handlerDailyUsd?: number;
}

export interface SpendSummary {
  day: string;
  totalUsd: number;
  calls: number;
  byHandler: Record<string, { usd: number; calls: number }>;
}

/** The handler key budgets and spend are counted under. */
export function handlerOf(event: TriageEvent): string {
  return [event.source?.file, event.source?.function].filter(Boolean).join(' ') || event.service || 'unknown';
}

/**
 * LLM spend per UTC day, in total and per handler, and the budgets on it
 * (the write-up's "per-handler budget limits to prevent runaway costs").
 */
export class SpendLedger {
  #day = '';
  #total = 0;
  #calls = 0;
  #byHandler = new Map<string, { usd: number; calls: number }>();

  constructor(
    readonly budgets: BudgetOptions = {},
    readonly now: () => number = Date.now,
  ) {}

  /** Undefined when the event may use the LLM; otherwise the budget it would exceed. */
  check(event: TriageEvent): string | undefined {
    this.#roll();
    const { dailyUsd, handlerDailyUsd } = this.budgets;
    if (dailyUsd != null && this.#total >= dailyUsd) {
      return `over the daily LLM budget ($${usd(this.#total)} of $${dailyUsd} spent today)`;
    }
    const handler = handlerOf(event);
    const spent = this.#byHandler.get(handler)?.usd ?? 0;
    if (handlerDailyUsd != null && spent >= handlerDailyUsd) {
      return `over the daily LLM budget of handler "${handler}" ($${usd(spent)} of $${handlerDailyUsd})`;
    }
    return undefined;
  }

  record(event: TriageEvent, usd: number | undefined): void {
    this.#roll();
    const cost = usd ?? 0;
    this.#total += cost;
    this.#calls++;
    const handler = handlerOf(event);
    const entry = this.#byHandler.get(handler) ?? { usd: 0, calls: 0 };
    entry.usd += cost;
    entry.calls++;
    this.#byHandler.set(handler, entry);
  }

  summary(): SpendSummary {
    this.#roll();
    return {
      day: this.#day,
      totalUsd: this.#total,
      calls: this.#calls,
      byHandler: Object.fromEntries(this.#byHandler),
    };
  }

  #roll() {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day === this.#day) return;
    this.#day = day;
    this.#total = 0;
    this.#calls = 0;
    this.#byHandler.clear();
  }
}

function usd(amount: number): string {
  return Number(amount.toFixed(6)).toString();
}
