export { deliveryErrorOf } from './delivery-error-of.js';
export type {
  FakeLlmReply,
  FakeLlmRequest,
  FakeLlmResponder,
  FakeLlmServer,
} from './fake-llm-server.js';
export { fakeAnalysis, lastErrorLine, startFakeLlmServer } from './fake-llm-server.js';
export type {
  FakeNotificationReply,
  FakeNotificationRequest,
  FakeNotificationResponder,
  FakeNotificationServer,
  FakePagerDuty,
} from './fake-notification-servers.js';
export {
  fakeAlert,
  startFakePagerDuty,
  startFakeSendGrid,
  startFakeSlack,
  startFakeWebhookReceiver,
} from './fake-notification-servers.js';
export type { MemoryNotifier } from './memory-notifier.js';
export { createMemoryNotifier } from './memory-notifier.js';
export type { TestDatabase } from './postgres-database.js';
export { testDatabase } from './postgres-database.js';
export type { TcpLink } from './tcp-link.js';
export { startTcpLink } from './tcp-link.js';
export { until } from './until.js';
