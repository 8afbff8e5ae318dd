import type { SpendSummary } from '../analyzers/spend-ledger.js';

/**
 * LLM spend kept where every process using one database sees it (the SQL stores): the daily budgets
 * then hold across server instances and restarts, where each process's own count started at zero.
 */
export interface SpendStore {
  /** Adds one call's cost to the day's totals, in all and for its handler. */
  addSpend(day: string, handler: string, usd: number): Promise<void>;
  /** The day's spend, in all and per handler. */
  spendOn(day: string): Promise<SpendSummary>;
}

/** The store's spend, when it keeps one. */
export function spendStoreOf(store: object): SpendStore | undefined {
  return 'addSpend' in store && 'spendOn' in store ? (store as SpendStore) : undefined;
}
