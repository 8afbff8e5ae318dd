export type { FallbackAnalyzerOptions } from './analyzers/fallback-analyzer.js';
export { createFallbackAnalyzer } from './analyzers/fallback-analyzer.js';
export type { LlmAnalyzerOptions } from './analyzers/llm-analyzer.js';
export { createLlmAnalyzer } from './analyzers/llm-analyzer.js';
export { CURRENT_PROMPT_VERSION, loadPrompt } from './analyzers/load-prompt.js';
export type { LlmConfig, LlmProviderName } from './config/llm-config.js';
export { DEFAULT_MODELS, LLM_PROVIDERS, readLlmConfig } from './config/llm-config.js';
export { notifiersFromEnv } from './config/notifiers-from-env.js';
export { ConfigError } from './errors/config-error.js';
export { InvalidAnalysisError } from './errors/invalid-analysis-error.js';
export type { ConsoleEmailOptions } from './notifiers/console-email-notifier.js';
export { createConsoleEmailNotifier } from './notifiers/console-email-notifier.js';
export type { RenderedEmail } from './notifiers/render-alert-email.js';
export { escapeHtml, renderAlertEmail } from './notifiers/render-alert-email.js';
export type { SmtpNotifierOptions } from './notifiers/smtp-notifier.js';
export { createSmtpNotifier } from './notifiers/smtp-notifier.js';
export type {
  AnalysisCallback,
  AnalysisReport,
  EngineOptions,
  EngineStats,
  Submission,
} from './pipeline/engine.js';
export { createEngine, Engine } from './pipeline/engine.js';
export type { DiagnosticsSink } from './pipeline/failure-reporter.js';
export type { Analyzer } from './ports/analyzer.js';
export type { Issue, IssueStatus, IssueStore } from './ports/issue-store.js';
export type { Alert, Notifier } from './ports/notifier.js';
export type { BoundedQueueOptions } from './queue/bounded-queue.js';
export { BoundedQueue } from './queue/bounded-queue.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryStore } from './stores/memory-store.js';
