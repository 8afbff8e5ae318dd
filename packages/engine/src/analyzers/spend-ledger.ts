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

/** A call booked at its estimate; `settle` puts the call's real cost in its place. */
export interface SpendReservation {
  /** The call's cost; undefined when it is not known (the call failed, or the model has no price). */
  settle(usd: number | undefined): Promise<void>;
  /** Gives the booking back: the call was not made. */
  release(): Promise<void>;
}

export type ReserveOutcome = { refused: string } | { reservation: SpendReservation };

/**
 * LLM spend per UTC day, in total and per handler, and the budgets on it
 * (the write-up's "per-handler budget limits to prevent runaway costs").
 * A call is booked at an estimate before it is made and settled at its cost after,
 * so analyses running at the same time see each other's calls: checked first and
 * booked later, each of them could make one call past the budget. With a `shared`
 * store (the server's database) the check and the booking are one step in the
 * database, against what every process using it spent or booked today; this
 * process's own count stays for `summary()`.
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

  /**
   * Books a call of `event`'s handler at `estimateUsd` when the budgets leave room for one, or says
   * which budget it would exceed. A call is allowed while what is spent and booked is under the budget,
   * so the budget is passed by at most one call, however many analyses run at once (while the shared
   * store cannot be reached, each process counts only its own).
   */
  async reserve(event: TriageEvent, estimateUsd = 0): Promise<ReserveOutcome> {
    this.#roll();
    const day = this.#day;
    const handler = handlerOf(event);
    const estimate = Number.isFinite(estimateUsd) && estimateUsd > 0 ? estimateUsd : 0;
    let booked = false;
    if (this.shared) {
      try {
        booked = await this.shared.reserveSpend(day, handler, estimate, this.budgets);
        if (!booked) {
          const spent = await this.spentToday();
          return {
            refused:
              this.#refusal(spent.totalUsd, spent.byHandler[handler]?.usd ?? 0, handler) ??
              'over the daily LLM budget (booked by analyses in flight)',
          };
        }
      } catch (error) {
        this.onFailure(error);
      }
    }
    if (!booked) {
      // This process's own count, checked and booked with no await in between.
      this.#roll();
      const refused = this.#refusal(this.#total, this.#byHandler.get(handler)?.usd ?? 0, handler);
      if (refused) return { refused };
    }
    this.#add(day, handler, estimate, 1);
    const shared = booked ? this.shared : undefined;
    let done = false;
    const adjust = async (amount: number, calls: number) => {
      if (done) return;
      done = true;
      if (amount === 0 && calls === 0) return;
      this.#add(day, handler, amount, calls);
      try {
        await shared?.addSpend(day, handler, amount, calls);
      } catch (error) {
        this.onFailure(error);
      }
    };
    return {
      reservation: {
        settle: (usd) => adjust((usd ?? 0) - estimate, 0),
        release: () => adjust(-estimate, -1),
      },
    };
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
      byHandler: Object.fromEntries([...this.#byHandler].map(([handler, entry]) => [handler, { ...entry }])),
    };
  }

  #refusal(totalUsd: number, spentByHandler: number, handler: string): string | undefined {
    const { dailyUsd, handlerDailyUsd } = this.budgets;
    if (dailyUsd != null && totalUsd >= dailyUsd) {
      return `over the daily LLM budget ($${usd(totalUsd)} of $${dailyUsd} spent today)`;
    }
    if (handlerDailyUsd != null && spentByHandler >= handlerDailyUsd) {
      return `over the daily LLM budget of handler "${handler}" ($${usd(spentByHandler)} of $${handlerDailyUsd})`;
    }
    return undefined;
  }

  /** Counts on `day` only while it is still today here: a new day starts from zero. */
  #add(day: string, handler: string, amount: number, calls: number) {
    this.#roll();
    if (day !== this.#day) return;
    this.#total += amount;
    this.#calls += calls;
    const entry = this.#byHandler.get(handler) ?? { usd: 0, calls: 0 };
    entry.usd += amount;
    entry.calls += calls;
    this.#byHandler.set(handler, entry);
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
