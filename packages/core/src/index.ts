export type { Analysis, AnalysisMeta, AnalysisResult, SafeParseResult } from './analysis/analysis-schema.js';
export {
  analysisSchema,
  fitAnalysisLengths,
  safeParseAnalysis,
  UNSUPPORTED_CONFIDENCE_CAP,
} from './analysis/analysis-schema.js';
export { type CheckedEvidence, checkEvidence, evidenceNote } from './analysis/check-evidence.js';
export { renderMarkdown } from './analysis/render-markdown.js';
export type { Category, RemediationType, Severity } from './analysis/taxonomy.js';
export { CATEGORIES, CATEGORY_DEFINITIONS, REMEDIATION_TYPES, SEVERITIES } from './analysis/taxonomy.js';
export type { AnalysisContext, ContextOptions, TokenCounter } from './context/build-context.js';
export { buildContext, estimateTokens, reduceFrames } from './context/build-context.js';
export { detectLevel, maxLevel, toLevel } from './detect-level.js';
export { InvalidEventError } from './errors/invalid-event-error.js';
export type { Fingerprint } from './fingerprint.js';
export { fingerprintEvent, frameKey, projectFingerprint } from './fingerprint.js';
export { FINGERPRINT_VARIABLE } from './fingerprint-variables.js';
export { formatLog, renderValue } from './format-log.js';
export type { NormalizeOptions } from './normalize.js';
export { cutMiddle, errorInfoFrom, normalizeEvent, toRequest, toUser } from './normalize.js';
export type { OfflineOptions } from './offline/analyze-offline.js';
export { analyzeOffline } from './offline/analyze-offline.js';
export type { RuleMatch } from './offline/match-rules.js';
export { matchRules } from './offline/match-rules.js';
export type { OfflineRule } from './offline/offline-rule.js';
export { OFFLINE_RULES } from './offline/rules.js';
export { parameterize } from './parameterize.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './parse-retry-after.js';
export {
  culpritFrame,
  isInAppFile,
  isJavaLibrary,
  isPythonLibrary,
  parseStack,
  parseStackLine,
} from './parse-stack.js';
export type { ModelPrice } from './pricing.js';
export { costOf, MODEL_PRICES, UNPRICED_MODEL_PRICE } from './pricing.js';
export type { PromptTemplate } from './prompt/render-prompt.js';
export { renderPrompt } from './prompt/render-prompt.js';
export type { TextPrefix } from './read-text-prefix.js';
export { readTextPrefix } from './read-text-prefix.js';
export type { CustomPattern, RedactOptions, Redactor } from './redact.js';
export { createRedactor, luhn, SENSITIVE_KEYS } from './redact.js';
export type {
  Channel,
  QuietHours,
  Route,
  RouteInput,
  RoutingPolicy,
  RoutingRule,
} from './routing/route-alert.js';
export { CHANNELS, DEFAULT_ROUTING_POLICY, inQuietHours, routeAlert } from './routing/route-alert.js';
export { stripControl } from './strip-control.js';
export { truncate } from './truncate.js';
export type {
  ErrorInfo,
  Level,
  LogEntry,
  Priority,
  RequestInfo,
  StackFrame,
  TriageEvent,
  UserInfo,
} from './types.js';
export { LEVELS, PRIORITIES } from './types.js';
export type { PseudonymizerOptions } from './user-pseudonym.js';
export { createPseudonymizer, withoutUsername } from './user-pseudonym.js';
