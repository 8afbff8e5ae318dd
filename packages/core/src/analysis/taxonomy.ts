/**
 * The fixed taxonomy every analyzer (LLM or offline rules) must classify into.
 * Classify the root cause, not the surface symptom: a name-resolution failure
 * caused by a malformed host setting is `configuration`, not `dns`.
 */
export const CATEGORY_DEFINITIONS = {
  connection_refused: 'a dependency is not accepting connections',
  timeout: 'an operation exceeded its deadline (connect, read, statement, lock wait, context deadline)',
  network: 'an established connection broke (reset, hang up, broken pipe)',
  dns: 'a name did not resolve',
  tls: 'certificate or handshake failure',
  resource_exhausted:
    'a finite resource ran out (connection pool, server connection limit, memory, file descriptors, disk, threads)',
  rate_limited: 'refused for rate or quota',
  auth: 'access denied (missing, invalid or expired credentials, insufficient permission, EACCES)',
  concurrency: 'deadlock, serialization failure, version conflict, race',
  data_integrity: 'stored data violates a constraint (unique, foreign key, not-null) or is inconsistent',
  bad_input:
    'the caller sent something invalid or was legitimately refused (validation, missing parameter, malformed body, card declined)',
  configuration:
    'the system is set up wrong (missing or malformed env var, secret or config entity; wrong host, port or URL; missing file, module or table; port in use)',
  code_defect: 'a bug (undefined/nil access, type errors, unserializable values, failed assertions)',
  dependency_failure:
    'a downstream service failed or answered garbage (5xx, HTML instead of JSON, broker errors)',
  unknown: 'none of the above fits, or the context is insufficient to tell',
} as const;

export type Category = keyof typeof CATEGORY_DEFINITIONS;

export const CATEGORIES = Object.keys(CATEGORY_DEFINITIONS) as [Category, ...Category[]];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const REMEDIATION_TYPES = [
  'config_change',
  'scale',
  'restart',
  'retry',
  'code_fix',
  'external',
  'none',
] as const;
export type RemediationType = (typeof REMEDIATION_TYPES)[number];
