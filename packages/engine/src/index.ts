export { loadAiRuntime } from './analyzers/ai-runtime.js';
export { AnalysisCache } from './analyzers/analysis-cache.js';
export type { BuildPromptOptions, BuiltPrompt } from './analyzers/build-prompt.js';
export { buildPrompt, DEFAULT_MAX_PROMPT_TOKENS, SYSTEM_PROMPT } from './analyzers/build-prompt.js';
export { CircuitBreaker } from './analyzers/circuit-breaker.js';
export { loadTokenCounter } from './analyzers/count-tokens.js';
export type { DryRunOptions } from './analyzers/dry-run-analyzer.js';
export { createDryRunAnalyzer } from './analyzers/dry-run-analyzer.js';
export type { FallbackAnalyzerOptions } from './analyzers/fallback-analyzer.js';
export { createFallbackAnalyzer } from './analyzers/fallback-analyzer.js';
export type { LlmAnalyzerOptions } from './analyzers/llm-analyzer.js';
export { createLlmAnalyzer } from './analyzers/llm-analyzer.js';
export { CURRENT_PROMPT_VERSION, loadPrompt } from './analyzers/load-prompt.js';
export type { BudgetOptions, SpendSummary } from './analyzers/spend-ledger.js';
export { handlerOf, SpendLedger } from './analyzers/spend-ledger.js';
export type { AnalyzerFromSettingsOptions } from './config/analyzer-from-settings.js';
export { analyzerFromSettings } from './config/analyzer-from-settings.js';
export type { EngineSettings } from './config/engine-settings.js';
export { readEngineSettings } from './config/engine-settings.js';
export type { FileLlmSettings, LlmConfig, LlmProviderName } from './config/llm-config.js';
export { DEFAULT_MODELS, LLM_PROVIDERS, readLlmConfig } from './config/llm-config.js';
export { isHttpUrl, notifiersFromEnv } from './config/notifiers-from-env.js';
export type { NumberBounds } from './config/number-from-env.js';
export { numberFromEnv } from './config/number-from-env.js';
export { ConfigError } from './errors/config-error.js';
export { DeliveryError } from './errors/delivery-error.js';
export { InvalidAnalysisError } from './errors/invalid-analysis-error.js';
export { StatusConflictError } from './errors/status-conflict-error.js';
export type { ConsoleEmailOptions } from './notifiers/console-email-notifier.js';
export { createConsoleEmailNotifier } from './notifiers/console-email-notifier.js';
export type { ConsoleNotifierOptions } from './notifiers/console-notifier.js';
export { createConsoleNotifier } from './notifiers/console-notifier.js';
export type { PagerDutyNotifier, PagerDutyNotifierOptions } from './notifiers/pagerduty-notifier.js';
export { createPagerDutyNotifier } from './notifiers/pagerduty-notifier.js';
export type { RenderedEmail } from './notifiers/render-alert-email.js';
export { escapeHtml, renderAlertEmail } from './notifiers/render-alert-email.js';
export type { SendGridNotifierOptions } from './notifiers/sendgrid-notifier.js';
export { createSendGridNotifier } from './notifiers/sendgrid-notifier.js';
export type { SlackNotifierOptions } from './notifiers/slack-notifier.js';
export { createSlackNotifier } from './notifiers/slack-notifier.js';
export type { SmtpNotifierOptions } from './notifiers/smtp-notifier.js';
export { createSmtpNotifier } from './notifiers/smtp-notifier.js';
export type { VerifyWebhookSignatureOptions, WebhookNotifierOptions } from './notifiers/webhook-notifier.js';
export { createWebhookNotifier, verifyWebhookSignature } from './notifiers/webhook-notifier.js';
export { createEngine, Engine } from './pipeline/engine.js';
export type {
  AnalysisCallback,
  AnalysisReport,
  EngineOptions,
  EngineStats,
  Submission,
} from './pipeline/engine-types.js';
export type { DiagnosticsSink } from './pipeline/failure-reporter.js';
export type { AnalyzeOptions, Analyzer } from './ports/analyzer.js';
export type {
  Issue,
  IssueFilter,
  IssueStatus,
  IssueStore,
  OutboxEntry,
  RecordOutcome,
  StatusChange,
} from './ports/issue-store.js';
export { ISSUE_STATUSES } from './ports/issue-store.js';
export type { Alert, Notifier } from './ports/notifier.js';
export type { SpendStore } from './ports/spend-store.js';
export type { BoundedQueueOptions } from './queue/bounded-queue.js';
export { BoundedQueue } from './queue/bounded-queue.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryStore } from './stores/memory-store.js';
export type { OpenSqlStoreOptions } from './stores/sql/open-sql-store.js';
export { isPostgresUrl, openSqlStore, QUERY_TIMEOUT_MS, sqlitePathOf } from './stores/sql/open-sql-store.js';
export type { Database } from './stores/sql/schema.js';
export { SqlStore } from './stores/sql/sql-store.js';
export { isStoreUnavailable } from './stores/sql/store-unavailable.js';
export { storedSetting } from './stores/sql/stored-setting.js';
export { isUniqueViolation } from './stores/sql/unique-violation.js';
export { usedByTriage } from './stores/sql/used-by-triage.js';
