import type { AnalysisResult, TriageEvent } from '@triage/core';
import type { Issue, IssueStore } from '../ports/issue-store.js';

export interface MemoryStoreOptions {
  /** Most issues kept; the least recently seen go first. */
  maxIssues?: number;
}

/** The in-process default: issues live as long as the process. */
export class MemoryStore implements IssueStore {
  readonly #issues = new Map<string, Issue>();
  readonly #byFingerprint = new Map<string, string>();
  readonly #maxIssues: number;

  constructor({ maxIssues = 10_000 }: MemoryStoreOptions = {}) {
    this.#maxIssues = maxIssues;
  }

  async recordEvent({
    event,
    fingerprint,
    title,
  }: {
    event: TriageEvent;
    fingerprint: string;
    title: string;
  }) {
    const existingId = this.#byFingerprint.get(fingerprint);
    const existing = existingId ? this.#issues.get(existingId) : undefined;
    if (existing) {
      existing.count++;
      existing.lastSeen = Math.max(existing.lastSeen, event.timestamp);
      existing.lastEventId = event.id;
      if (existing.status === 'resolved') existing.status = 'regressed';
      // Re-inserting keeps Map order = least recently seen first, for eviction.
      this.#issues.delete(existing.id);
      this.#issues.set(existing.id, existing);
      return { issue: { ...existing }, created: false };
    }
    const issue: Issue = {
      id: globalThis.crypto.randomUUID(),
      fingerprint,
      title,
      description: '',
      analysis: '',
      priority: event.priority,
      status: 'new',
      source: 'triage',
      service: event.service,
      file: event.source?.file,
      function: event.source?.function,
      createdAt: Date.now(),
      firstSeen: event.timestamp,
      lastSeen: event.timestamp,
      count: 1,
      lastEventId: event.id,
    };
    this.#issues.set(issue.id, issue);
    this.#byFingerprint.set(fingerprint, issue.id);
    this.#evict();
    return { issue: { ...issue }, created: true };
  }

  async saveAnalysis(issueId: string, result: AnalysisResult, description: string) {
    const issue = this.#issues.get(issueId);
    if (!issue) throw new Error(`issue ${issueId} not found`);
    issue.analysis = result.markdown;
    issue.analysisResult = result;
    issue.description = description;
    issue.title = result.analysis.title;
    issue.source = result.meta.analyzer === 'llm' ? 'llm-self-analysis' : 'offline-rules';
    issue.analyzedAt = Date.now();
    return { ...issue };
  }

  async getIssue(id: string) {
    const issue = this.#issues.get(id);
    return issue ? { ...issue } : undefined;
  }

  async listIssues() {
    return [...this.#issues.values()].reverse().map((issue) => ({ ...issue }));
  }

  #evict() {
    while (this.#issues.size > this.#maxIssues) {
      const [oldestId, oldest] = this.#issues.entries().next().value as [string, Issue];
      this.#issues.delete(oldestId);
      this.#byFingerprint.delete(oldest.fingerprint);
    }
  }
}
