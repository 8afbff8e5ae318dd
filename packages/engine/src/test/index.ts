export type {
  FakeLlmReply,
  FakeLlmRequest,
  FakeLlmResponder,
  FakeLlmServer,
} from './fake-llm-server.js';
export { fakeAnalysis, lastErrorLine, startFakeLlmServer } from './fake-llm-server.js';
export type { MemoryNotifier } from './memory-notifier.js';
export { createMemoryNotifier } from './memory-notifier.js';
