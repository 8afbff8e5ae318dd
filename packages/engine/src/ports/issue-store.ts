import type { AnalysisResult, Priority, TriageEvent } from '@triage/core';

export type IssueStatus = 'new' | 'acknowledged' | 'resolved' | 'ignored' | 'regressed';

/**
 * All events of one fingerprint: the write-up's "Feedback" record (id, title,
 * description, analysis, priority, status, source, createdAt) plus grouping counts.
 */
export interface Issue {
  id: string;
  fingerprint: string;
  title: string;
  /** Markdown: error message, source and the analysis, as the write-up's Feedback description. */
  description: string;
  /** The latest analysis's markdown, or '' before the first one. */
  analysis: string;
  analysisResult?: AnalysisResult;
  priority: Priority | undefined;
  status: IssueStatus;
  /** Where the issue came from: `llm-self-analysis` or `offline-rules`. */
  source: string;
  service?: string;
  file?: string;
  function?: string;
  createdAt: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  lastEventId: string;
  /** When the latest analysis was made (epoch ms). */
  analyzedAt?: number;
}

/** The store port: memory now, SQLite and PostgreSQL behind the same contract. */
export interface IssueStore {
  /** Creates or updates the issue of `fingerprint` with one more event; returns it and whether it is new. */
  recordEvent(input: {
    event: TriageEvent;
    fingerprint: string;
    title: string;
  }): Promise<{ issue: Issue; created: boolean }>;
  /** Attaches an analysis to the issue. */
  saveAnalysis(issueId: string, result: AnalysisResult, description: string): Promise<Issue>;
  getIssue(id: string): Promise<Issue | undefined>;
  listIssues(): Promise<Issue[]>;
  close?(): Promise<void>;
}
