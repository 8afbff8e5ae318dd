import type { TriageEvent } from '@triage/core';
import type { SpendStore } from '../ports/spend-store.js';

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
 * With a `shared` store (the server's database) the budgets are checked against
 * what every process using it spent today; this process's own count stays for
 * `summary()`. Analyses checking at the same moment (of this process or
 * others) may each make one call more than the budget leaves.
 */
export class SpendLedger {
  #day = '';
  #total = 0;
  #calls = 0;
  #byHandler = new Map<string, { usd: number; calls: number }>();

  constructor(
    readonly budgets: BudgetOptions = {},
    readonly now: () => number = Date.now,
    readonly shared?: SpendStore,
    /** Told when the shared store cannot be read or written; the process's own count is used then. */
    readonly onFailure: (error: unknown) => void = () => {},
  ) {}

  /** Undefined when the event may use the LLM; otherwise the budget it would exceed. */
  async check(event: TriageEvent): Promise<string | undefined> {
    const { dailyUsd, handlerDailyUsd } = this.budgets;
    if (dailyUsd == null && handlerDailyUsd == null) return undefined;
    const spent = await this.spentToday();
    if (dailyUsd != null && spent.totalUsd >= dailyUsd) {
      return `over the daily LLM budget ($${usd(spent.totalUsd)} of $${dailyUsd} spent today)`;
    }
    const handler = handlerOf(event);
    const spentByHandler = spent.byHandler[handler]?.usd ?? 0;
    if (handlerDailyUsd != null && spentByHandler >= handlerDailyUsd) {
      return `over the daily LLM budget of handler "${handler}" ($${usd(spentByHandler)} of $${handlerDailyUsd})`;
    }
    return undefined;
  }

  async record(event: TriageEvent, usd: number | undefined): Promise<void> {
    this.#roll();
    const cost = usd ?? 0;
    this.#total += cost;
    this.#calls++;
    const handler = handlerOf(event);
    const entry = this.#byHandler.get(handler) ?? { usd: 0, calls: 0 };
    entry.usd += cost;
    entry.calls++;
    this.#byHandler.set(handler, entry);
    try {
      await this.shared?.addSpend(this.#day, handler, cost);
    } catch (error) {
      this.onFailure(error);
    }
  }

  /** Today's spend of every process sharing the store (of this one, without a store). */
  async spentToday(): Promise<SpendSummary> {
    const local = this.summary();
    if (!this.shared) return local;
    try {
      return await this.shared.spendOn(local.day);
    } catch (error) {
      this.onFailure(error);
      return local;
    }
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
