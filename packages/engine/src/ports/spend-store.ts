import type { BudgetOptions, SpendSummary } from '../analyzers/spend-ledger.js';

/**
 * LLM spend kept where every process using one database sees it (the SQL stores): the daily budgets
 * then hold across server instances and restarts, where each process's own count started at zero.
 */
export interface SpendStore {
  /**
   * Books one call at `usd` (its estimate) when the day's spend, in all and for `handler`, is still
   * under the budgets, as one step no other booking can interleave with; false when it is not.
   */
  reserveSpend(day: string, handler: string, usd: number, budgets: BudgetOptions): Promise<boolean>;
  /** Adds `usd` (negative to give back) and `calls` to the day's totals, in all and for `handler`. */
  addSpend(day: string, handler: string, usd: number, calls: number): Promise<void>;
  /** The day's spend, in all and per handler. */
  spendOn(day: string): Promise<SpendSummary>;
}

/** The store's spend, when it keeps one. */
export function spendStoreOf(store: object): SpendStore | undefined {
  return 'reserveSpend' in store && 'addSpend' in store && 'spendOn' in store
    ? (store as SpendStore)
    : undefined;
}
