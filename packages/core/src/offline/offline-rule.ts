import type { Category, RemediationType, Severity } from '../analysis/taxonomy.js';

/**
 * One known production error signature of the offline knowledge base. A rule
 * matches when any of its patterns matches one captured line (log message,
 * error "Type: message", or error code).
 */
export interface OfflineRule {
  /** Stable kebab-case id, e.g. `pg-pool-exhausted`; recorded with each analysis. */
  id: string;
  /** Headline for the issue, e.g. "Connection pool exhausted". */
  title: string;
  category: Category;
  severity: Severity;
  /** Compiled once at module load; matched case-sensitively unless the regex says otherwise. */
  patterns: RegExp[];
  /** The most likely cause, phrased as such. */
  rootCause: string;
  /** What users see when this happens. */
  userImpact: string;
  remediation: string[];
  prevention: string[];
  remediationType: RemediationType;
  /** 0–1: how surely the pattern alone identifies the cause. */
  confidence: number;
}
