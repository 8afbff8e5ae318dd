import type { OfflineRule } from './offline-rule.js';

/**
 * Matches a SQLSTATE printed next to its label (`(SQLSTATE 23505)`, `SQLSTATE[23505]`,
 * `"code":"23505"`) or standing alone as a captured error code. Anywhere else in a line, a
 * five-character code is too easily a number or an id.
 */
function sqlState(code: string): RegExp {
  return new RegExp(`\\b(?:SQLSTATE|sqlState|code)\\W{0,5}${code}\\b|^${code}$`, 'i');
}

/** One pattern from parts, so that a long signature stays readable within the line limit. */
function joinPatterns(flags: string, ...parts: RegExp[]): RegExp {
  return new RegExp(parts.map((part) => part.source).join(''), flags);
}

/** Status-line and client-library spellings of one HTTP status (axios, requests, urllib, raw). */
function httpStatus(code: number, reason: string): RegExp[] {
  return [
    new RegExp(`\\b${code} ${reason}\\b`, 'i'),
    new RegExp(`\\bstatus code ${code}\\b`),
    new RegExp(`\\b${code} (?:Client|Server) Error\\b`),
    new RegExp(`\\bHTTP Error ${code}\\b`),
  ];
}

/**
 * The offline knowledge base: known production error signatures with their most likely root cause.
 *
 * Analyzers pick the best-scoring rule and break ties by array order, so a rule that recognises a
 * specific cause comes before (and is at least as confident as) the generic rule its lines also match:
 * a host of `undefined` before DNS, pool exhaustion before timeouts, HTML-instead-of-JSON before
 * malformed JSON.
 */
export const OFFLINE_RULES: readonly OfflineRule[] = [
  // Configuration causes that surface as DNS, auth or validation errors come first, so the cause wins.
  {
    id: 'entity-config-not-found',
    title: 'Per-tenant configuration entity missing',
    category: 'configuration',
    severity: 'medium',
    patterns: [
      joinPatterns(
        'i',
        /\b(?:agent|tenant|integration|config(?:uration)?|settings|profile|workspace|site)\b[^\n]{0,40}/,
        /\bnot found for (?:domain|tenant|account|customer|org(?:anization)?|site|workspace|project)\b/,
      ),
      /\b(?:agent|tenant|integration|provider|webhook)\b[^\n]{0,40}\bnot configured\b/i,
    ],
    rootCause:
      'No configuration record exists for this tenant/domain (for example no widget agent entity for the ' +
      'domain): it was never created, was deleted, or the lookup key (domain, tenant id) differs from the ' +
      'stored one.',
    userImpact:
      'The feature is unavailable for every visitor of that tenant or domain until the record exists.',
    remediation: [
      'Check whether the tenant/domain in the log is a real customer; if so, create the missing entity ' +
        '(admin UI or API).',
      'Compare the lookup key with the stored one (www. prefix, letter case, port, trailing dot).',
      'Verify the fix by requesting the entity for that domain again.',
    ],
    prevention: [
      'Create a default configuration entity when a tenant signs up.',
      'Alert on "not found for domain" errors by domain so orphaned tenants surface quickly.',
    ],
    remediationType: 'config_change',
    confidence: 0.85,
  },
  {
    id: 'host-misconfigured',
    title: 'Host setting is empty or malformed',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\b(?:ENOTFOUND|EAI_AGAIN) (?:undefined|null|https?:\/\/|\$\{)/,
      /\bENOTFOUND [^\s:]{1,200}:\d{2,5}\b/,
      /\bUnknownHostException: (?:undefined|null|https?:\/\/)/,
      /\bdial tcp: lookup (?:undefined|null|<nil>)\b/,
      /\bdial tcp: address [^\s]{1,200}: (?:too many colons in address|missing port in address)/,
      /\bdial tcp :\d{1,5}: /,
      /\bcould not translate host name "(?:https?:\/\/|undefined|null)/,
    ],
    rootCause:
      'The host name comes from a missing or malformed setting: it is literally "undefined"/"null", empty, ' +
      'or contains a URL scheme or port where only a host belongs. DNS is not at fault.',
    userImpact: 'Every request that needs this dependency fails immediately.',
    remediation: [
      'Find the environment variable or config key that builds this host and set it in this environment.',
      'Strip the scheme ("http://") and port from host-only settings, or switch to a full URL setting.',
      'Restart or redeploy so the process reads the corrected value.',
    ],
    prevention: [
      'Validate host and URL settings at startup and refuse to start when they are missing or malformed.',
      'Keep one canonical URL setting per dependency instead of assembling host strings in code.',
    ],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'invalid-url',
    title: 'Invalid or relative URL',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\bTypeError(?: \[ERR_INVALID_URL\])?: Invalid URL\b/,
      /\bERR_INVALID_URL\b/,
      /\bFailed to parse URL from /,
      /\bunsupported protocol scheme\b/,
      /\bMissingSchema\b/,
      /\bNo scheme supplied\b/,
    ],
    rootCause:
      'A URL setting is empty, relative or missing its scheme (e.g. "localhost:8080/api" or "/api" used ' +
      'for a server-side request), usually because a base-URL environment variable is unset.',
    userImpact: 'Every call through this client fails before any network traffic is sent.',
    remediation: [
      'Print (redacted) the URL the client was given and find which setting produced it.',
      'Set the base URL with its scheme (https://host[:port]) in this environment and restart.',
      'Build request URLs with new URL(path, base) rather than string concatenation.',
    ],
    prevention: [
      'Validate URL settings at startup (parse them and require http/https).',
      'Add a test that boots the configuration with the production variable names.',
    ],
    remediationType: 'config_change',
    confidence: 0.82,
  },
  {
    id: 'missing-env-var',
    title: 'Required environment variable not set',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\bMissing required (?:environment|env) var(?:iable)?s?\b/i,
      /\bis a required variable, but it was not set\b/,
      /\bCould not resolve placeholder '[^'\n]{1,200}'/,
      joinPatterns(
        'i',
        /\benv(?:ironment)? var(?:iable)? [`'"]?\w{1,60}[`'"]? /,
        /(?:is )?(?:not set|not defined|missing|undefined|empty)\b/,
      ),
      // Excludes ReferenceError: an undeclared identifier is a code defect even when it is upper-case.
      joinPatterns(
        '',
        /(?<!ReferenceError: )\b[A-Z][A-Z0-9]*_[A-Z0-9_]{1,60} /,
        /(?:is not set|is not defined|is missing|must be set)\b/,
      ),
      /\bKeyError: '[A-Z][A-Z0-9]*_[A-Z0-9_]{1,60}'/,
    ],
    rootCause:
      'A required environment variable (or config placeholder) is not set in this environment: it is ' +
      'missing from the deployment manifest, secret store or .env file.',
    userImpact: 'The service fails at startup or on every request that needs the setting.',
    remediation: [
      'Identify the variable named in the error and set it in this environment (secret manager, manifest).',
      'Redeploy or restart so the process picks it up.',
      'Diff the environment against a working one to find any other missing variables.',
    ],
    prevention: [
      'Validate all required settings at startup and fail fast with the variable name.',
      'Keep a checked-in list (.env.example or schema) of required variables and check it in CI.',
    ],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'settings-validation-failed',
    title: 'Settings object failed validation',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bvalidation errors? for \w{0,60}(?:Settings|Config|Env)\b/],
    rootCause:
      'The application settings (pydantic-settings or similar) are missing required fields or have values ' +
      'of the wrong type in this environment.',
    userImpact: 'The service cannot start, so the whole feature is down.',
    remediation: [
      'Read the field names listed after the error and set the matching environment variables.',
      'Check the values’ types (integers, URLs, booleans) against the settings schema.',
      'Restart the service once the variables are set.',
    ],
    prevention: [
      'Ship an example environment file with every required variable.',
      'Run the settings validation in CI with the production variable list.',
    ],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'db-password-not-string',
    title: 'Database password not configured',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bclient password must be a string\b/],
    rootCause:
      'node-postgres was given no password (undefined) for SCRAM authentication: the password environment ' +
      'variable or secret is not set or not passed to the pool.',
    userImpact: 'No database connection can be opened; every request that touches the database fails.',
    remediation: [
      'Set the database password variable (or DATABASE_URL with a password) in this environment.',
      'Check the pool options actually receive it (variable name typos, secret mounting).',
      'Restart the service.',
    ],
    prevention: [
      'Validate database settings at startup, including the password being a non-empty string.',
      'Keep connection settings in one DATABASE_URL per environment.',
    ],
    remediationType: 'config_change',
    confidence: 0.93,
  },
  {
    id: 'jwt-secret-missing',
    title: 'JWT signing secret not configured',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bsecretOrPrivateKey must have a value\b/, /\bsecret or public key must be provided\b/],
    rootCause:
      'The JWT secret or key passed to jsonwebtoken is empty: its environment variable or secret is not ' +
      'set in this environment.',
    userImpact: 'Users cannot log in or call authenticated endpoints.',
    remediation: [
      'Set the JWT secret/key variable in this environment from the secret store.',
      'Make sure every instance uses the same secret, then restart.',
    ],
    prevention: [
      'Fail at startup when the signing secret is missing.',
      'Keep secrets in a secret manager referenced by the deployment, not in ad-hoc env files.',
    ],
    remediationType: 'config_change',
    confidence: 0.92,
  },
  {
    id: 'privileged-port-eacces',
    title: 'Not allowed to listen on this port',
    category: 'configuration',
    severity: 'high',
    patterns: [/\blisten EACCES\b/, /\blisten tcp [^\s]{1,100}: bind: permission denied\b/],
    rootCause:
      'The process tries to listen on a privileged port (below 1024) or a socket path it may not use, ' +
      'without the needed capability: the configured port is wrong for a non-root process.',
    userImpact: 'The service does not start, so it serves nothing.',
    remediation: [
      'Listen on an unprivileged port (e.g. 8080) and map 80/443 in the load balancer or container.',
      'Or grant CAP_NET_BIND_SERVICE to the binary instead of running as root.',
    ],
    prevention: [
      'Default PORT to an unprivileged value and document the port mapping.',
      'Run a container start-up smoke test as the production user in CI.',
    ],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'port-in-use',
    title: 'Port already in use',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bEADDRINUSE\b/, /\baddress already in use\b/i],
    rootCause:
      'Another process (often a previous instance that did not exit, or a second service configured with ' +
      'the same port) already listens on this address.',
    userImpact: 'The new instance cannot start; a deploy may hang or keep serving the old version.',
    remediation: [
      'Find the process holding the port (ss -ltnp / lsof -i :PORT) and stop it if it is stale.',
      'Give each service its own port via configuration.',
      'Restart the service once the port is free.',
    ],
    prevention: [
      'Shut down gracefully on SIGTERM so restarts release the port.',
      'Allocate ports in one place (manifest or service registry), not per developer.',
    ],
    remediationType: 'config_change',
    confidence: 0.93,
  },

  // Pool exhaustion reads like a timeout ("timed out after 30000ms"), so it precedes the timeout rules.
  {
    id: 'connection-pool-exhausted',
    title: 'Connection pool exhausted',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [
      /\b(?:connection )?pool (?:is )?exhausted\b/i,
      /\(\d+\/\d+ connections? active\)/,
      /\bTimed out while checking out a connection from connection pool\b/,
    ],
    rootCause:
      'All connections of the pool are checked out: traffic exceeds the pool size, or connections are held ' +
      'too long (slow queries, long transactions, connections not released on error paths).',
    userImpact:
      'Requests queue and then fail while the pool is full; likely every concurrent user is affected.',
    remediation: [
      'Look for slow queries or long-held transactions and for code paths that do not release connections.',
      'Raise the pool size if the database has headroom (check its max_connections first).',
      'Scale out only if the database can take the extra connections.',
    ],
    prevention: [
      'Export pool metrics (in use, waiting, wait time) and alert before the pool is full.',
      'Release connections in finally blocks and set statement and idle-in-transaction timeouts.',
      'Put a connection pooler (PgBouncer, RDS Proxy) in front of the database.',
    ],
    remediationType: 'scale',
    confidence: 0.9,
  },
  {
    id: 'node-pg-pool-timeout',
    title: 'node-postgres pool could not hand out a connection',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\btimeout exceeded when trying to connect\b/],
    rootCause:
      'node-postgres waited connectionTimeoutMillis for a client: all clients of the pool are busy (leaked ' +
      'or held by slow queries), or a new connection to PostgreSQL could not be opened in time.',
    userImpact: 'Database-backed requests fail while the pool is saturated.',
    remediation: [
      'Check pool.totalCount / idleCount / waitingCount and pg_stat_activity for long-running queries.',
      'Make sure every pool.connect() is followed by client.release() on all paths.',
      'Raise max or connectionTimeoutMillis only after ruling out leaks and slow queries.',
    ],
    prevention: [
      'Prefer pool.query() over manual connect/release.',
      'Alert on waitingCount > 0 for more than a few seconds.',
    ],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'knex-pool-timeout',
    title: 'Knex pool full',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\bKnex: Timeout acquiring a connection\b/],
    rootCause:
      'All Knex pool connections are taken, typically by transactions whose queries were not run with ' +
      '.transacting(trx) (the query waits for a connection the transaction holds) or by slow queries.',
    userImpact: 'Database-backed requests hang until acquireConnectionTimeout and then fail.',
    remediation: [
      'Search for queries inside transactions that do not use the trx object.',
      'Look for slow queries holding connections and for transactions left open.',
      'Raise pool.max only if the database has spare connections.',
    ],
    prevention: [
      'Use knex.transaction(async trx => ...) and pass trx everywhere inside it.',
      'Monitor pool usage and alert on pending acquires.',
    ],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'hikaricp-pool-timeout',
    title: 'HikariCP pool exhausted',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\bConnection is not available, request timed out after \d+ ?ms\b/],
    rootCause:
      'HikariCP had no idle connection within connectionTimeout: all maximumPoolSize connections are in ' +
      'use (slow queries, long transactions or connection leaks).',
    userImpact: 'Requests that need the database fail with 5xx until connections are returned.',
    remediation: [
      'Enable leakDetectionThreshold to find code that does not close connections.',
      'Check the database for slow queries and long transactions.',
      'Raise maximumPoolSize only within the database connection limit.',
    ],
    prevention: [
      'Use try-with-resources for every Connection/Statement.',
      'Export Hikari metrics (active, pending) and alert on pending connections.',
    ],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'sqlalchemy-queuepool-limit',
    title: 'SQLAlchemy QueuePool limit reached',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\bQueuePool limit of size \d+ overflow -?\d+ reached\b/],
    rootCause:
      'All pool_size + max_overflow connections are checked out: sessions are not closed (leaked) or held ' +
      'during slow work, or concurrency exceeds the pool.',
    userImpact: 'Requests wait pool_timeout seconds and then fail.',
    remediation: [
      'Make sure every Session is closed (context manager or request teardown).',
      'Look for slow queries or long-held sessions (e.g. around external HTTP calls).',
      'Raise pool_size/max_overflow only if the database can take the connections.',
    ],
    prevention: [
      'Scope sessions to one request with a context manager.',
      'Log pool checkouts over a duration threshold.',
    ],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'pg-too-many-clients',
    title: 'PostgreSQL connection limit reached',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [
      /\bsorry, too many clients already\b/,
      /\bremaining connection slots are reserved for\b/,
      sqlState('53300'),
    ],
    rootCause:
      'PostgreSQL reached max_connections: the sum of all application pools (instances × pool size) ' +
      'exceeds the server limit, or connections leak.',
    userImpact: 'New connections are refused; requests on any instance that needs a new connection fail.',
    remediation: [
      'Count connections per application in pg_stat_activity and terminate idle leaks.',
      'Reduce per-instance pool size so instances × pool size stays under max_connections.',
      'Add a pooler (PgBouncer) or raise max_connections if the server has memory for it.',
    ],
    prevention: [
      'Budget connections: instances × pool size + admin headroom < max_connections.',
      'Alert on connection count at 80% of max_connections.',
    ],
    remediationType: 'config_change',
    confidence: 0.93,
  },
  {
    id: 'mysql-too-many-connections',
    title: 'MySQL connection limit reached',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bToo many connections\b/, /\bER_CON_COUNT_ERROR\b/, /\bERROR 1040\b/],
    rootCause:
      'MySQL reached max_connections: application pools across instances open more connections than the ' +
      'server allows, or connections leak/sleep.',
    userImpact: 'New database connections fail; requests on affected instances fail.',
    remediation: [
      'Inspect SHOW PROCESSLIST for sleeping or leaked connections and kill them.',
      'Lower per-instance connectionLimit or raise max_connections if memory allows.',
      'Restart instances that leak connections.',
    ],
    prevention: [
      'Budget pool sizes against max_connections and alert at 80%.',
      'Set wait_timeout so abandoned connections are reclaimed.',
    ],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'redis-max-clients',
    title: 'Redis client limit reached',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\bmax number of clients reached\b/],
    rootCause:
      'Redis reached maxclients: clients open new connections per request or leak them, or too many ' +
      'instances connect.',
    userImpact: 'Cache/session/queue operations fail for new connections.',
    remediation: [
      'Run CLIENT LIST to see which hosts hold the connections.',
      'Reuse one client per process instead of connecting per request.',
      'Raise maxclients (and the file descriptor limit) if the load is legitimate.',
    ],
    prevention: ['Create Redis clients once at startup.', 'Alert on connected_clients near maxclients.'],
    remediationType: 'code_fix',
    confidence: 0.9,
  },
  {
    id: 'redis-maxmemory',
    title: 'Redis out of memory',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bOOM command not allowed when used memory > 'maxmemory'/],
    rootCause:
      'Redis reached maxmemory with an eviction policy that does not evict these keys (noeviction, or ' +
      'volatile-* with keys lacking a TTL): data grew past the budget.',
    userImpact: 'Writes to Redis fail: caching, sessions, rate limiting or queues stop working.',
    remediation: [
      'Find the largest keys/prefixes (redis-cli --bigkeys, MEMORY USAGE) and delete what is stale.',
      'Add TTLs to cache keys or switch to an allkeys-lru policy for pure caches.',
      'Raise maxmemory or scale the Redis instance.',
    ],
    prevention: [
      'Give every cache key a TTL.',
      'Alert on used_memory at 80% of maxmemory.',
      'Keep queues and caches on separate Redis instances.',
    ],
    remediationType: 'scale',
    confidence: 0.93,
  },
  {
    id: 'node-heap-oom',
    title: 'Node.js heap out of memory',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [
      /\bJavaScript heap out of memory\b/,
      /\bReached heap limit Allocation failed\b/,
      /\bIneffective mark-compacts near heap limit\b/,
    ],
    rootCause:
      'The V8 heap hit its limit: a memory leak (growing caches, listeners, closures) or a request that ' +
      'loads too much data at once; less often the heap limit is set below the workload’s needs.',
    userImpact: 'The process crashes; in-flight requests fail and the service restarts (or crash-loops).',
    remediation: [
      'Check memory graphs: a steady climb means a leak, a spike means one large request.',
      'Take heap snapshots (--heapsnapshot-near-heap-limit) and compare retained objects.',
      'Stream or paginate large payloads instead of loading them whole.',
      'Raise --max-old-space-size to match the container memory as a stopgap.',
    ],
    prevention: [
      'Bound in-memory caches (LRU with a size limit).',
      'Alert on heap usage trends before the limit.',
      'Load-test large inputs.',
    ],
    remediationType: 'code_fix',
    confidence: 0.95,
  },
  {
    id: 'java-native-thread-oom',
    title: 'JVM cannot create more threads',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bOutOfMemoryError: unable to create (?:new )?native thread\b/],
    rootCause:
      'The JVM hit the process/thread limit (ulimit -u, container pids limit) or native memory: usually ' +
      'unbounded thread creation (a new thread or executor per request) rather than heap size.',
    userImpact: 'New work cannot be scheduled; requests fail and the JVM may become unresponsive.',
    remediation: [
      'Take a thread dump and group threads by name to find the pool that keeps growing.',
      'Replace per-request threads/executors with bounded shared pools.',
      'Raise the pids/nproc limit only if the thread count is legitimate.',
    ],
    prevention: ['Use bounded executors everywhere.', 'Alert on live thread count.'],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'java-heap-oom',
    title: 'JVM out of memory',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [
      /\bOutOfMemoryError: (?:Java heap space|GC overhead limit exceeded|Metaspace)\b/,
      /\bOutOfMemoryError: (?:Requested array size exceeds VM limit|Direct buffer memory)\b/,
      /\bjava\.lang\.OutOfMemoryError\b/,
    ],
    rootCause:
      'The JVM exhausted the heap (or metaspace/direct memory): a leak in long-lived collections/caches or ' +
      'a request that loads too much data; less often -Xmx is too small for the workload.',
    userImpact: 'Requests fail and the JVM may thrash in GC or crash.',
    remediation: [
      'Capture a heap dump (-XX:+HeapDumpOnOutOfMemoryError) and inspect the dominators.',
      'Check whether one request type loads unbounded data and paginate/stream it.',
      'Raise -Xmx (within the container limit) as a stopgap.',
    ],
    prevention: [
      'Bound caches and queues.',
      'Alert on old-gen usage after GC.',
      'Load-test with large inputs.',
    ],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'go-out-of-memory',
    title: 'Go runtime out of memory',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bfatal error: (?:runtime: )?out of memory\b/, /\bruntime: out of memory: cannot allocate\b/],
    rootCause:
      'The Go runtime could not get memory from the OS: a leak (goroutines, maps, slices kept alive) or ' +
      'one huge allocation, or the memory limit is too low.',
    userImpact: 'The process dies; all in-flight requests fail.',
    remediation: [
      'Collect a heap profile (pprof) from a running instance before it dies and find the growth.',
      'Check goroutine counts for leaks.',
      'Set GOMEMLIMIT below the container limit and size the container to the workload.',
    ],
    prevention: ['Expose pprof and alert on heap growth.', 'Bound buffers and request body sizes.'],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'python-memory-error',
    title: 'Python MemoryError',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/(?:^|[\s:])MemoryError\b/m],
    rootCause:
      'An allocation failed: the process loads too much data at once (whole files or query results in ' +
      'memory) or leaks, within a tight memory limit.',
    userImpact: 'The request or job fails; the worker may be killed.',
    remediation: [
      'Find the allocation in the traceback and stream or chunk the data instead.',
      'Check worker memory over time for leaks.',
      'Raise the memory limit as a stopgap.',
    ],
    prevention: ['Process large inputs in chunks.', 'Alert on worker RSS growth.'],
    remediationType: 'code_fix',
    confidence: 0.82,
  },
  {
    id: 'container-oom-killed',
    title: 'Container killed for exceeding its memory limit',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bOOMKilled\b/, /\bOut of memory: Kill(?:ed)? process\b/, /\bMemory cgroup out of memory\b/],
    rootCause:
      'The kernel OOM killer stopped the process because it exceeded its container/cgroup memory limit: ' +
      'the limit is below the real usage or the process leaks.',
    userImpact: 'The pod restarts; in-flight requests fail and repeated kills cause downtime.',
    remediation: [
      'Compare the memory limit with actual usage (kubectl top, metrics) before the kill.',
      'Raise the limit or fix the leak; for Node/JVM set heap limits below the container limit.',
      'Scale out to spread the load if usage grows with traffic.',
    ],
    prevention: [
      'Set requests/limits from measured usage with headroom.',
      'Alert on memory at 80% of the limit.',
    ],
    remediationType: 'scale',
    confidence: 0.88,
  },
  {
    id: 'inotify-watch-limit',
    title: 'File watcher limit reached',
    category: 'resource_exhausted',
    severity: 'medium',
    patterns: [/\bSystem limit for number of file watchers reached\b/],
    rootCause:
      'The process watches more files than fs.inotify.max_user_watches allows, usually a dev-mode watcher ' +
      'running in production or watching node_modules.',
    userImpact: 'File watching (hot reload, config reload) stops or the process fails to start.',
    remediation: [
      'Do not run file watchers in production; exclude node_modules from watch globs.',
      'Raise fs.inotify.max_user_watches on the host if watching is intended.',
    ],
    prevention: ['Use production start commands without watch mode.', 'Keep watch globs narrow.'],
    remediationType: 'config_change',
    confidence: 0.95,
  },
  {
    id: 'too-many-open-files',
    title: 'Too many open files',
    category: 'resource_exhausted',
    severity: 'high',
    patterns: [/\bEMFILE\b/, /\bENFILE\b/, /\btoo many open files\b/i],
    rootCause:
      'The process ran out of file descriptors: sockets or files are leaked (not closed), or the nofile ' +
      'limit is too low for the connection count.',
    userImpact: 'New connections and file operations fail; the service degrades for everyone.',
    remediation: [
      'Count open descriptors (ls /proc/PID/fd | wc -l) and group them by type to spot leaks.',
      'Close files/sockets on every path; reuse HTTP agents with keep-alive.',
      'Raise the nofile limit if the usage is legitimate, then restart.',
    ],
    prevention: [
      'Alert on open descriptors versus the limit.',
      'Set the nofile limit explicitly in deployment.',
    ],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'disk-full',
    title: 'Disk full',
    category: 'resource_exhausted',
    severity: 'critical',
    patterns: [/\bENOSPC\b/, /\bno space left on device\b/i],
    rootCause:
      'The filesystem is full: logs, temporary files, uploads or database files grew without rotation or ' +
      'cleanup.',
    userImpact: 'Writes fail: uploads, logging, database commits and temp files; the service may crash.',
    remediation: [
      'Find what grew (du -xh --max-depth=1) and free space: rotate logs, delete temp files.',
      'Expand the volume if the data is legitimate.',
      'Restart processes that hold deleted-but-open files (lsof +L1).',
    ],
    prevention: [
      'Alert on disk usage at 80%.',
      'Configure log rotation and retention for temp/upload directories.',
    ],
    remediationType: 'scale',
    confidence: 0.93,
  },

  // Deadlocks precede the timeout rules: MySQL words deadlocks and lock waits alike ("try restarting").
  {
    id: 'db-deadlock',
    title: 'Database deadlock',
    category: 'concurrency',
    severity: 'medium',
    patterns: [
      /\bdeadlock detected\b/,
      /\bDeadlock found when trying to get lock\b/,
      /\bchosen as the deadlock victim\b/,
      /\bER_LOCK_DEADLOCK\b/,
      /\bERROR 1213\b/,
      sqlState('40P01'),
    ],
    rootCause:
      'Two transactions locked the same rows in opposite order and the database aborted one: concurrent ' +
      'requests update shared rows in inconsistent order.',
    userImpact: 'The aborted request fails unless retried; under load, writes fail intermittently.',
    remediation: [
      'Retry the aborted transaction (it is safe to retry a deadlock victim).',
      'Find the two statements in the database log and make all code paths lock rows in the same order.',
      'Keep transactions short and avoid user/network calls inside them.',
    ],
    prevention: [
      'Lock rows in a consistent order (e.g. by primary key).',
      'Wrap write transactions in a retry helper for deadlock/serialization errors.',
    ],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'pg-serialization-failure',
    title: 'Serialization failure',
    category: 'concurrency',
    severity: 'medium',
    patterns: [
      /\bcould not serialize access due to (?:concurrent update|concurrent delete)\b/,
      /\bcould not serialize access due to read\/write dependencies among transactions\b/,
      sqlState('40001'),
    ],
    rootCause:
      'A REPEATABLE READ/SERIALIZABLE transaction conflicted with a concurrent one that changed the same ' +
      'data; the database requires the transaction to be retried.',
    userImpact: 'The request fails unless the transaction is retried.',
    remediation: [
      'Retry the whole transaction on SQLSTATE 40001 with a small backoff.',
      'Reduce contention on hot rows (counters, balances) or shorten the transaction.',
    ],
    prevention: [
      'Use a transaction helper that retries serialization failures.',
      'Avoid hot-row updates in serializable transactions.',
    ],
    remediationType: 'retry',
    confidence: 0.92,
  },
  {
    id: 'optimistic-lock-conflict',
    title: 'Optimistic locking version conflict',
    category: 'concurrency',
    severity: 'medium',
    patterns: [
      /\bRow was updated or deleted by another transaction\b/,
      /\b(?:StaleObjectStateException|StaleStateException|OptimisticLockException)\b/,
      /\b(?:ObjectOptimisticLockingFailureException|OptimisticLockError)\b/,
      /\bversion_conflict_engine_exception\b/,
      /\bVersionError: No matching document found\b/,
      /\bversion conflict\b/i,
    ],
    rootCause:
      'Two writers updated the same record concurrently; the second write carried a stale version and was ' +
      'rejected (optimistic locking working as intended).',
    userImpact: 'One user’s save fails or must be repeated.',
    remediation: [
      'Reload the record and reapply the change (retry) where that is safe.',
      'Otherwise return a conflict (409) so the user can merge.',
    ],
    prevention: [
      'Handle version conflicts explicitly in update paths.',
      'Reduce concurrent writes to the same record (queue per entity).',
    ],
    remediationType: 'retry',
    confidence: 0.86,
  },
  {
    id: 'go-concurrent-map-access',
    title: 'Concurrent map access in Go',
    category: 'concurrency',
    severity: 'critical',
    patterns: [/\bconcurrent map (?:writes|read and map write|iteration and map write)\b/],
    rootCause:
      'Several goroutines access the same map without synchronisation (a data race); the Go runtime aborts ' +
      'the process.',
    userImpact: 'The whole process crashes; all in-flight requests fail.',
    remediation: [
      'Find the map in the goroutine dump and guard it with a sync.Mutex/RWMutex or use sync.Map.',
      'Run the tests with -race to find other races.',
    ],
    prevention: ['Run tests with the race detector in CI.', 'Do not share mutable maps between handlers.'],
    remediationType: 'code_fix',
    confidence: 0.95,
  },
  {
    id: 'rabbitmq-exclusive-queue-in-use',
    title: 'Exclusive queue held by another consumer',
    category: 'concurrency',
    severity: 'medium',
    patterns: [
      /\bACCESS_REFUSED - queue '[^'\n]{1,255}' in vhost '[^'\n]{0,255}' in exclusive use\b/,
      /\bRESOURCE_LOCKED - cannot obtain exclusive access to locked queue\b/,
    ],
    rootCause:
      'Another connection (often a second instance or an old instance during a rolling deploy) holds the ' +
      'exclusive consumer/queue this process wants.',
    userImpact: 'This instance consumes no messages; processing depends on the other holder.',
    remediation: [
      'Check which connection owns the queue in the management UI.',
      'Use a single-active-consumer queue instead of exclusive consumers if several instances run.',
      'Make sure old instances are stopped during deploys.',
    ],
    prevention: [
      'Prefer single-active-consumer or competing consumers to exclusivity.',
      'Handle the error with a backoff instead of crashing.',
    ],
    remediationType: 'config_change',
    confidence: 0.88,
  },

  {
    id: 'db-statement-timeout',
    title: 'Query cancelled by statement timeout',
    category: 'timeout',
    severity: 'medium',
    patterns: [
      /\bcanceling statement due to statement timeout\b/,
      sqlState('57014'),
      /\bQuery execution was interrupted, maximum statement execution time exceeded\b/,
      /\bQuery execution was interrupted \(max_statement_time exceeded\)/,
      /\bERROR 3024\b/,
    ],
    rootCause:
      'A query ran longer than the configured statement timeout: a missing index, a plan change, a much ' +
      'larger data set, or lock waits inside the statement.',
    userImpact: 'The request that ran the query fails; pages depending on it error or time out.',
    remediation: [
      'Find the query (database log or APM) and run EXPLAIN ANALYZE on it.',
      'Add the missing index or rewrite the query; paginate large reads.',
      'Only then consider raising the timeout for that specific query.',
    ],
    prevention: [
      'Track slow queries (pg_stat_statements) and alert on regressions.',
      'Review query plans in CI.',
    ],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'db-lock-wait-timeout',
    title: 'Lock wait timeout',
    category: 'timeout',
    severity: 'medium',
    patterns: [
      /\bcanceling statement due to lock timeout\b/,
      sqlState('55P03'),
      /\bLock wait timeout exceeded; try restarting transaction\b/,
      /\bER_LOCK_WAIT_TIMEOUT\b/,
      /\bERROR 1205\b/,
    ],
    rootCause:
      'The statement waited too long for a row/table lock held by another transaction: a long-running or ' +
      'idle-in-transaction session, a migration, or a batch job holds the lock.',
    userImpact: 'Writes to the locked rows fail while the blocker runs.',
    remediation: [
      'Find the blocking session (pg_blocking_pids / information_schema.innodb_trx) and end it if stuck.',
      'Retry the failed statement once the blocker is gone.',
      'Shorten the blocking transaction or move batch jobs off peak.',
    ],
    prevention: [
      'Set idle_in_transaction_session_timeout and keep transactions short.',
      'Run migrations with lock timeouts and in small batches.',
    ],
    remediationType: 'retry',
    confidence: 0.92,
  },
  {
    id: 'connect-timeout',
    title: 'Connect timeout',
    category: 'timeout',
    severity: 'high',
    patterns: [
      /\bconnect ETIMEDOUT\b/,
      /\bConnect timed out\b/i,
      /\bConnectTimeout(?:Error)?\b/,
      /\bUND_ERR_CONNECT_TIMEOUT\b/,
      /\bdial tcp [^\s]{1,200}: i\/o timeout\b/,
      /\bconnect: connection timed out\b/,
    ],
    rootCause:
      'The TCP connection was never established: the host is down or overloaded, or a firewall/security ' +
      'group silently drops the traffic (no refusal comes back).',
    userImpact: 'Calls to that dependency hang for the connect timeout and then fail.',
    remediation: [
      'Check the dependency is up and reachable from this host (nc -vz host port).',
      'Check firewall rules, security groups and network policies between the two.',
      'Verify the configured host/IP is current (old IPs drop traffic silently).',
    ],
    prevention: [
      'Use short connect timeouts with retries and a circuit breaker.',
      'Health-check dependencies.',
    ],
    remediationType: 'external',
    confidence: 0.82,
  },
  {
    id: 'read-timeout',
    title: 'Read timeout',
    category: 'timeout',
    severity: 'medium',
    patterns: [
      /\bRead timed out\b/i,
      /\bSocketTimeoutException\b/,
      /\bReadTimeout(?:Error)?\b/,
      /\bESOCKETTIMEDOUT\b/,
      /\b(?:HeadersTimeoutError|BodyTimeoutError)\b/,
      /\btimeout of \d+ ?ms exceeded\b/,
    ],
    rootCause:
      'The connection was open but the dependency did not answer in time: it is slow or overloaded, or the ' +
      'request is heavier than the timeout allows.',
    userImpact: 'Requests depending on the call are slow and then fail.',
    remediation: [
      'Check the dependency’s latency and error dashboards for the same period.',
      'Retry idempotent calls with backoff; avoid retry storms.',
      'Raise the read timeout only for operations known to be slow.',
    ],
    prevention: ['Set per-call timeouts with a circuit breaker.', 'Alert on dependency p99 latency.'],
    remediationType: 'retry',
    confidence: 0.8,
  },
  {
    id: 'deadline-exceeded',
    title: 'Context or RPC deadline exceeded',
    category: 'timeout',
    severity: 'medium',
    patterns: [
      /\bcontext deadline exceeded\b/,
      /\bClient\.Timeout exceeded\b/,
      /\bDEADLINE_EXCEEDED\b/,
      /\bcode = DeadlineExceeded\b/,
    ],
    rootCause:
      'The request’s deadline expired before the downstream call finished: the dependency is slow, or the ' +
      'deadline is too tight for the work chained under it.',
    userImpact: 'The operation is abandoned; the caller gets an error or a partial result.',
    remediation: [
      'Find which downstream call consumed the time (tracing) and check its latency.',
      'Retry idempotent operations with backoff.',
      'Adjust the deadline budget if the chain legitimately needs more time.',
    ],
    prevention: ['Propagate deadlines and budget them per hop.', 'Alert on downstream latency.'],
    remediationType: 'retry',
    confidence: 0.78,
  },
  {
    id: 'go-io-timeout',
    title: 'Network I/O timeout',
    category: 'timeout',
    severity: 'medium',
    patterns: [/\bi\/o timeout\b/],
    rootCause:
      'A read or write on a Go network connection passed its deadline: the peer is slow or stopped ' +
      'responding.',
    userImpact: 'The call fails after waiting for the deadline.',
    remediation: [
      'Check the peer’s health and latency at that time.',
      'Retry idempotent calls with backoff.',
      'Review the deadline values set on the connection or client.',
    ],
    prevention: ['Use explicit timeouts on every client.', 'Add circuit breakers on slow dependencies.'],
    remediationType: 'retry',
    confidence: 0.76,
  },

  // Engine-specific refusals precede the generic one: their remediation names the engine's settings.
  {
    id: 'postgres-connection-refused',
    title: 'PostgreSQL refused the connection',
    category: 'connection_refused',
    severity: 'critical',
    patterns: [
      joinPatterns(
        '',
        /\bconnection to server at "[^"\n]{1,255}"(?: \([^)\n]{1,100}\))?, /,
        /port \d{1,5} failed: Connection refused/,
      ),
      /\bConnection to [^\s]{1,255} refused\. Check that the hostname and port are correct\b/,
      /\bcould not connect to server: Connection refused\b/,
    ],
    rootCause:
      'Nothing listens on the PostgreSQL host/port: the server is down or restarting, or the configured ' +
      'host/port is wrong (listen_addresses, port, or a stale host).',
    userImpact: 'Everything that needs the database fails.',
    remediation: [
      'Check the PostgreSQL server is running and its logs for a crash or restart.',
      'Verify the host/port in the connection settings match where it listens.',
      'Restart or fail over the database if it is down.',
    ],
    prevention: ['Health-check the database and alert when it is unreachable.', 'Use a managed HA setup.'],
    remediationType: 'external',
    confidence: 0.88,
  },
  {
    id: 'mysql-connection-refused',
    title: 'MySQL server unreachable',
    category: 'connection_refused',
    severity: 'critical',
    patterns: [/\bCan't connect to (?:MySQL |MariaDB )?server on /, /\bERROR 200[23] \(HY000\)/],
    rootCause:
      'The MySQL/MariaDB server is not accepting connections at the configured host/port: it is down, ' +
      'restarting, or the host/port/socket setting is wrong.',
    userImpact: 'Everything that needs the database fails.',
    remediation: [
      'Check the MySQL server is running and reachable on the configured port.',
      'Verify host/port/socket settings and bind-address.',
      'Restart or fail over the server if it is down.',
    ],
    prevention: ['Health-check the database and alert on unreachability.', 'Use an HA setup with failover.'],
    remediationType: 'external',
    confidence: 0.88,
  },
  {
    id: 'redis-connection-refused',
    title: 'Redis refused the connection',
    category: 'connection_refused',
    severity: 'high',
    patterns: [
      /\bError 111 connecting to [^\s]{1,255}\. Connection refused/,
      /\bECONNREFUSED [^\s]{1,255}:6379\b/,
    ],
    rootCause:
      'Redis is not listening at the configured address: the server is down or restarting, or the ' +
      'host/port setting is wrong.',
    userImpact: 'Caching, sessions, rate limiting or queues that depend on Redis fail.',
    remediation: [
      'Check the Redis server is running (redis-cli -h HOST -p PORT ping).',
      'Verify the Redis URL in this environment.',
      'Restart Redis or fail over to a replica.',
    ],
    prevention: ['Alert on Redis availability.', 'Degrade gracefully when the cache is unavailable.'],
    remediationType: 'external',
    confidence: 0.86,
  },
  {
    id: 'kafka-broker-unreachable',
    title: 'Kafka broker unreachable',
    category: 'connection_refused',
    severity: 'high',
    patterns: [
      /\bcould not be established\. Broker may not be available\b/,
      /\bKafkaJS\w{0,40}: Connection error: connect ECONNREFUSED\b/,
      /\bNoBrokersAvailable\b/,
    ],
    rootCause:
      'The client cannot open a connection to the Kafka brokers: they are down, or the bootstrap servers / ' +
      'advertised listeners point to an address the client cannot reach.',
    userImpact: 'Events are not produced or consumed; downstream processing stalls.',
    remediation: [
      'Check the brokers are up and listening on the bootstrap address.',
      'Check advertised.listeners resolves and is reachable from the client network.',
      'Restart the client once the brokers are reachable.',
    ],
    prevention: ['Alert on broker availability.', 'Buffer or outbox events while Kafka is unavailable.'],
    remediationType: 'external',
    confidence: 0.88,
  },
  {
    id: 'connection-refused',
    title: 'Connection refused',
    category: 'connection_refused',
    severity: 'high',
    patterns: [/\bECONNREFUSED\b/, /\bConnection refused\b/i, /\bConnectionRefusedError\b/],
    rootCause:
      'Nothing is listening at the target host and port: the dependency is down, restarting or crashed, or ' +
      'the configured host/port is wrong.',
    userImpact: 'Every operation that needs this dependency fails until it is back.',
    remediation: [
      'Identify the host:port in the error and check the service there is running.',
      'Verify this environment’s configuration points to the right host/port.',
      'Restart the dependency if it crashed; retry afterwards.',
    ],
    prevention: [
      'Health-check dependencies and alert when they stop listening.',
      'Retry with backoff and a circuit breaker on transient refusals.',
    ],
    remediationType: 'external',
    confidence: 0.8,
  },

  {
    id: 'socket-hang-up',
    title: 'Socket hang up',
    category: 'network',
    severity: 'medium',
    patterns: [/\bsocket hang up\b/],
    rootCause:
      'The server closed the connection before sending a response: it crashed or restarted mid-request, a ' +
      'proxy cut an idle keep-alive connection, or the request was too slow for its timeout.',
    userImpact: 'The request fails; usually intermittent.',
    remediation: [
      'Retry idempotent requests.',
      'Check the upstream’s logs/restarts at that time.',
      'Make the client keep-alive timeout shorter than the server/proxy idle timeout.',
    ],
    prevention: ['Align keep-alive timeouts across client, proxy and server.', 'Retry idempotent calls.'],
    remediationType: 'retry',
    confidence: 0.8,
  },
  {
    id: 'connection-reset',
    title: 'Connection reset by peer',
    category: 'network',
    severity: 'medium',
    patterns: [
      /\bECONNRESET\b/,
      /\bconnection reset by peer\b/i,
      /\bSocketException: Connection reset\b/,
      /\bConnectionResetError\b/,
    ],
    rootCause:
      'The peer or a middlebox (load balancer, NAT, firewall) reset an established connection: the peer ' +
      'restarted, or an idle pooled connection was dropped.',
    userImpact: 'The in-flight request fails; usually transient.',
    remediation: [
      'Retry idempotent operations.',
      'Check whether the peer restarted or was overloaded at that time.',
      'Lower the client idle/keep-alive timeout below the middlebox idle timeout.',
    ],
    prevention: ['Validate pooled connections before use.', 'Retry idempotent calls with backoff.'],
    remediationType: 'retry',
    confidence: 0.78,
  },
  {
    id: 'broken-pipe',
    title: 'Broken pipe',
    category: 'network',
    severity: 'low',
    patterns: [/\bEPIPE\b/, /\bbroken pipe\b/i, /\bBrokenPipeError\b/],
    rootCause:
      'The process wrote to a connection the other side had already closed: the client disconnected (gave ' +
      'up, timed out) or the peer restarted.',
    userImpact: 'Usually none beyond the client that already left; otherwise the write fails.',
    remediation: [
      'Check whether clients time out before the response is ready (slow handlers).',
      'Retry the write on a new connection for pooled connections.',
    ],
    prevention: ['Keep handler latency below client timeouts.', 'Handle client aborts explicitly.'],
    remediationType: 'none',
    confidence: 0.76,
  },
  {
    id: 'connection-closed-unexpectedly',
    title: 'Connection closed without a response',
    category: 'network',
    severity: 'medium',
    patterns: [
      /\b(?:Get|Post|Put|Patch|Delete|Head) "[^"\n]{1,2000}": (?:unexpected )?EOF\b/,
      /\bunexpected EOF\b/,
      /\bRemote end closed connection without response\b/,
      /\bClient network socket disconnected before secure TLS connection was established\b/,
      /\bServerDisconnectedError\b/,
      /\bConnection terminated unexpectedly\b/,
      /\bterminating connection due to administrator command\b/,
      sqlState('57P01'),
    ],
    rootCause:
      'The peer closed the connection without answering: it crashed or restarted (a database restart or ' +
      'failover terminates its sessions), or reused keep-alive connections were closed by the server or ' +
      'a proxy.',
    userImpact: 'The request fails; usually intermittent.',
    remediation: [
      'Retry idempotent requests.',
      'Check the peer for restarts or crashes at that time.',
      'Align client keep-alive timeouts below the server’s.',
    ],
    prevention: ['Retry idempotent calls on a fresh connection.', 'Monitor upstream restarts.'],
    remediationType: 'retry',
    confidence: 0.72,
  },

  {
    id: 'dns-temporary-failure',
    title: 'Temporary DNS failure',
    category: 'dns',
    severity: 'medium',
    patterns: [/\bEAI_AGAIN\b/, /\bTemporary failure in name resolution\b/i, /\bserver misbehaving\b/],
    rootCause:
      'The resolver could not answer right now: the DNS server is unreachable or overloaded (e.g. CoreDNS ' +
      'under load, network blip), not that the name is wrong.',
    userImpact: 'Calls to named hosts fail intermittently.',
    remediation: [
      'Retry with backoff.',
      'Check the resolver (CoreDNS/kube-dns, /etc/resolv.conf) health and load.',
      'Enable DNS caching in the client or node-local DNS cache.',
    ],
    prevention: ['Run a node-local DNS cache.', 'Alert on DNS error rates.'],
    remediationType: 'retry',
    confidence: 0.85,
  },
  {
    id: 'dns-not-found',
    title: 'Host name does not resolve',
    category: 'dns',
    severity: 'high',
    patterns: [
      /\bENOTFOUND\b/,
      /\bno such host\b/,
      /\bName or service not known\b/,
      /\bnodename nor servname provided\b/,
      /\bUnknownHostException\b/,
      /\bcould not translate host name\b/,
      /\bgetaddrinfo failed\b/,
      /\bgaierror\b/,
    ],
    rootCause:
      'The host name does not exist in DNS: a typo or stale host in configuration, a deleted record, or ' +
      'the name only resolves inside another network (VPC, cluster namespace).',
    userImpact: 'Every call to that host fails.',
    remediation: [
      'Resolve the name from the failing host (dig/nslookup) to confirm.',
      'Fix the host in configuration or restore the DNS record.',
      'For in-cluster names, check the namespace suffix and the service exists.',
    ],
    prevention: ['Validate dependency hosts at startup.', 'Manage DNS records as code.'],
    remediationType: 'config_change',
    confidence: 0.8,
  },

  // Expiry and name mismatch precede the generic chain/handshake rules, which also match their lines.
  {
    id: 'tls-cert-expired',
    title: 'TLS certificate expired',
    category: 'tls',
    severity: 'critical',
    patterns: [
      /\bCERT_HAS_EXPIRED\b/,
      /\bcertificate has expired\b/i,
      /\bCertificateExpiredException\b/,
      /\bvalidity check failed\b/,
    ],
    rootCause:
      'The server’s certificate (or one in its chain) is past its expiry date: renewal failed or the new ' +
      'certificate was not deployed. Less often, the client clock is wrong.',
    userImpact: 'All TLS connections to that host fail.',
    remediation: [
      'Check the certificate dates (openssl s_client -connect host:443 | openssl x509 -noout -dates).',
      'Renew and deploy the certificate, then reload the server.',
      'Check the client clock (NTP) if the certificate is valid.',
    ],
    prevention: ['Automate renewal (ACME) and alert 30 days before expiry.', 'Monitor certificate expiry.'],
    remediationType: 'external',
    confidence: 0.93,
  },
  {
    id: 'tls-hostname-mismatch',
    title: 'TLS certificate does not match the host',
    category: 'tls',
    severity: 'high',
    patterns: [
      /\bERR_TLS_CERT_ALTNAME_INVALID\b/,
      /\bdoes not match certificate's altnames\b/,
      /\bx509: certificate is valid for [^\n]{1,300}, not /,
      /\bNo subject alternative (?:DNS name|names?) (?:matching|present)/,
      /\bHostname mismatch, certificate is not valid for\b/,
    ],
    rootCause:
      'The certificate presented does not list the host name used to connect: the client uses an IP, an ' +
      'internal alias or a wrong host, or the server serves the wrong certificate (SNI).',
    userImpact: 'All TLS connections by that name fail.',
    remediation: [
      'Compare the host the client uses with the certificate’s SANs.',
      'Connect by a name the certificate covers, or reissue the certificate with the name.',
      'Check SNI/virtual-host configuration on the server.',
    ],
    prevention: [
      'Use the canonical hostnames in configuration.',
      'Test TLS endpoints after certificate changes.',
    ],
    remediationType: 'config_change',
    confidence: 0.92,
  },
  {
    id: 'tls-self-signed',
    title: 'Self-signed certificate not trusted',
    category: 'tls',
    severity: 'high',
    patterns: [
      /\bDEPTH_ZERO_SELF_SIGNED_CERT\b/,
      /\bSELF_SIGNED_CERT_IN_CHAIN\b/,
      /\bself[- ]signed certificate\b/i,
    ],
    rootCause:
      'The server presents a self-signed certificate (or a chain rooted in a private CA) that the client ' +
      'does not trust: a private CA is not installed in the client, or a TLS-intercepting proxy is in the ' +
      'path.',
    userImpact: 'All TLS connections to that host fail.',
    remediation: [
      'Add the private CA to the client trust store (NODE_EXTRA_CA_CERTS, JVM truststore, certifi).',
      'Or replace the certificate with one from a public CA.',
      'Do not disable certificate verification.',
    ],
    prevention: [
      'Distribute internal CAs through base images.',
      'Test TLS trust in staging with the same CAs.',
    ],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'tls-untrusted-chain',
    title: 'TLS certificate chain not trusted',
    category: 'tls',
    severity: 'high',
    patterns: [
      /\bunable to verify the first certificate\b/,
      /\bUNABLE_TO_VERIFY_LEAF_SIGNATURE\b/,
      /\bunable to get (?:local )?issuer certificate\b/,
      /\bUNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?\b/,
      /\bx509: certificate signed by unknown authority\b/,
      /\bPKIX path building failed\b/,
      /\bunable to find valid certification path to requested target\b/,
    ],
    rootCause:
      'The client cannot build a chain to a trusted root: the server omits its intermediate certificate, ' +
      'or the issuing CA is private and missing from the client trust store.',
    userImpact: 'All TLS connections to that host fail.',
    remediation: [
      'Inspect the served chain (openssl s_client -showcerts) for the missing intermediate.',
      'Serve the full chain (leaf + intermediates) on the server.',
      'If the CA is private, add it to the client trust store.',
    ],
    prevention: [
      'Deploy fullchain certificates.',
      'Check endpoints with an external TLS checker after changes.',
    ],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'tls-handshake-failure',
    title: 'TLS handshake failure',
    category: 'tls',
    severity: 'high',
    patterns: [
      /\bCERTIFICATE_VERIFY_FAILED\b/,
      /\bSSLHandshakeException\b/,
      /\bhandshake failure\b/i,
      /\bwrong version number\b/,
      /\bEPROTO\b/,
      /\btls: (?:bad certificate|first record does not look like a TLS handshake)\b/,
    ],
    rootCause:
      'The TLS handshake failed: certificate verification, protocol/cipher mismatch, or TLS spoken to a ' +
      'plain-text port (wrong port or scheme).',
    userImpact: 'Connections to that endpoint fail.',
    remediation: [
      'Check the scheme/port pair (https to a plain http port gives "wrong version number").',
      'Inspect the handshake with openssl s_client for protocol and certificate issues.',
      'Align TLS versions and ciphers between client and server.',
    ],
    prevention: ['Test TLS endpoints in CI against the production configuration.', 'Monitor TLS errors.'],
    remediationType: 'config_change',
    confidence: 0.65,
  },

  // A BigQuery quota often surfaces only as a streaming-insert timeout, hence its timeout wording.
  {
    id: 'bigquery-quota-exceeded',
    title: 'BigQuery quota or rate limit exceeded',
    category: 'rate_limited',
    severity: 'high',
    patterns: [
      /\bExceeded rate limits:/,
      joinPatterns(
        'i',
        /\bBigQuery\b[^\n]{0,100}\b(?:streaming|insertAll|insert)\b/,
        /[^\n]{0,100}\b(?:timeout|timed out|quota|rate limit)/,
      ),
    ],
    rootCause:
      'BigQuery rejected or throttled the requests for exceeding a quota (streaming insert rows/bytes per ' +
      'second, table update operations): traffic grew past the project quota, often at peak time.',
    userImpact: 'Rows are not ingested during the spike; data is lost unless retried or buffered.',
    remediation: [
      'Identify the quota in the error message (Cloud console, Quotas page).',
      'Retry with exponential backoff and buffer rows instead of dropping them.',
      'Request a quota increase or move to the Storage Write API / batch loads.',
    ],
    prevention: [
      'Batch inserts and smooth traffic peaks with a queue.',
      'Alert on quota usage before the limit.',
      'Implement exponential backoff and a circuit breaker.',
    ],
    remediationType: 'external',
    confidence: 0.9,
  },
  {
    id: 'google-quota-exceeded',
    title: 'Google API quota exceeded',
    category: 'rate_limited',
    severity: 'high',
    patterns: [/\bQuota exceeded for quota metric\b/, /\bquotaExceeded\b/, /\brateLimitExceeded\b/],
    rootCause:
      'A Google Cloud API quota (per minute or per day) is exhausted for this project or user: usage grew ' +
      'or a job is issuing requests in a tight loop.',
    userImpact: 'Calls to that API fail until the quota window resets.',
    remediation: [
      'Read the quota metric and limit in the message and check usage in the Quotas page.',
      'Back off and retry later; stop runaway jobs.',
      'Request a quota increase if the usage is legitimate.',
    ],
    prevention: ['Rate-limit and batch API calls on the client side.', 'Alert on quota usage at 80%.'],
    remediationType: 'external',
    confidence: 0.9,
  },
  {
    id: 'aws-throttling',
    title: 'AWS request throttled',
    category: 'rate_limited',
    severity: 'medium',
    patterns: [
      /\bThrottlingException\b/,
      /\bThrottling: Rate exceeded\b/,
      /\bTooManyRequestsException\b/,
      /\bProvisionedThroughputExceededException\b/,
      /\bRequestLimitExceeded\b/,
      /\bSlowDown: Please reduce your request rate\b/,
      /\bRate exceeded\b/,
    ],
    rootCause:
      'An AWS API rate limit or provisioned capacity was exceeded: bursts of calls (polling, fan-out, ' +
      'retries without backoff) or capacity set below the workload.',
    userImpact: 'Throttled operations fail or slow down until the rate drops.',
    remediation: [
      'Retry with exponential backoff and jitter (SDK adaptive retry mode).',
      'Reduce call rate: cache results, batch requests, remove polling loops.',
      'Request a limit increase or raise provisioned capacity.',
    ],
    prevention: ['Use the SDK retry strategy with jitter.', 'Alert on throttle metrics in CloudWatch.'],
    remediationType: 'retry',
    confidence: 0.9,
  },
  {
    id: 'http-429-too-many-requests',
    title: 'HTTP 429 Too Many Requests',
    category: 'rate_limited',
    severity: 'medium',
    patterns: [...httpStatus(429, 'Too Many Requests'), /\bToo Many Requests\b/i],
    rootCause:
      'The remote API is rate-limiting this client: the request rate exceeds the plan or per-key limit, ' +
      'often from bursts or retries without backoff.',
    userImpact: 'Requests through that API fail or are delayed until the limit resets.',
    remediation: [
      'Honour Retry-After and retry with exponential backoff.',
      'Reduce request rate: cache, batch, or queue calls.',
      'Ask the provider for a higher limit if usage is legitimate.',
    ],
    prevention: ['Client-side rate limiting matched to the provider limit.', 'Alert on 429 rates.'],
    remediationType: 'retry',
    confidence: 0.85,
  },
  {
    id: 'rate-limit-exceeded',
    title: 'Rate limit exceeded',
    category: 'rate_limited',
    severity: 'medium',
    patterns: [/\brate[- ]limit(?:ed| exceeded| reached)\b/i, /\bquota exceeded\b/i],
    rootCause: 'A rate limit or quota was hit: request volume exceeds what the provider allows.',
    userImpact: 'Affected operations fail until the window resets.',
    remediation: ['Back off and retry later.', 'Reduce or smooth request volume.', 'Request a higher limit.'],
    prevention: ['Rate-limit on the client side.', 'Monitor quota usage.'],
    remediationType: 'retry',
    confidence: 0.72,
  },

  {
    id: 'jwt-expired',
    title: 'JWT expired',
    category: 'auth',
    severity: 'low',
    patterns: [
      /\bTokenExpiredError\b/,
      /\bjwt expired\b/,
      /\bExpiredSignatureError\b/,
      /\bSignature has expired\b/,
      /\btoken is expired\b/,
      /\bJWTExpired\b/,
    ],
    rootCause:
      'The client presented an access token past its exp claim: the client did not refresh it, or server ' +
      'clocks are skewed.',
    userImpact: 'The user gets 401s until they re-authenticate or the token is refreshed.',
    remediation: [
      'Make the client refresh tokens before expiry and retry once on 401.',
      'Check server clock sync if fresh tokens are rejected.',
      'Allow a small clock tolerance when verifying.',
    ],
    prevention: ['Refresh tokens proactively.', 'Run NTP on all hosts.'],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'jwt-invalid',
    title: 'JWT rejected',
    category: 'auth',
    severity: 'medium',
    patterns: [
      /\bJsonWebTokenError\b/,
      /\bjwt malformed\b/,
      /\bJWSSignatureVerificationFailed\b/,
      /\btoken signature is invalid\b/,
    ],
    rootCause:
      'The token’s signature does not verify or it is malformed: services sign and verify with different ' +
      'secrets/keys (rotation, environment mix-up), or the client sends something that is not a JWT.',
    userImpact: 'Authenticated requests fail with 401.',
    remediation: [
      'Check that issuer and verifier use the same secret/JWKS in this environment.',
      'Check what the client sends in the Authorization header (Bearer prefix, truncation).',
      'Keep old keys valid during rotation.',
    ],
    prevention: ['Use JWKS with key ids for rotation.', 'Add an auth smoke test per environment.'],
    remediationType: 'config_change',
    confidence: 0.85,
  },
  {
    id: 'aws-expired-token',
    title: 'AWS credentials expired',
    category: 'auth',
    severity: 'high',
    patterns: [
      /\bExpiredToken(?:Exception)?\b/,
      /\bThe security token included in the request is expired\b/,
      /\bRequestExpired\b/,
    ],
    rootCause:
      'Temporary AWS credentials (STS, SSO, assumed role) expired and were not refreshed: static copies of ' +
      'session credentials, or a session duration shorter than the job.',
    userImpact: 'All AWS calls from this process fail until credentials are refreshed.',
    remediation: [
      'Let the SDK default credential chain refresh credentials instead of passing static session keys.',
      'Re-authenticate (SSO login / assume role) and restart the process.',
      'Increase the role session duration for long jobs.',
    ],
    prevention: ['Use instance/task roles or IRSA.', 'Never copy session credentials into config.'],
    remediationType: 'config_change',
    confidence: 0.93,
  },
  {
    id: 'aws-access-denied',
    title: 'AWS access denied',
    category: 'auth',
    severity: 'high',
    patterns: [
      /\bAccessDenied(?:Exception)?\b/,
      /\bis not authorized to perform: [\w-]{1,60}:\w{1,100}/,
      /\bUnrecognizedClientException\b/,
      /\bThe security token included in the request is invalid\b/,
      /\bInvalidAccessKeyId\b/,
      /\bSignatureDoesNotMatch\b/,
    ],
    rootCause:
      'The AWS principal lacks permission for the action/resource, or its credentials are invalid: a ' +
      'policy is missing the action, the resource ARN differs, or the wrong credentials are in use.',
    userImpact: 'The affected AWS operation fails every time.',
    remediation: [
      'Run aws sts get-caller-identity with the same credentials to see which principal is used.',
      'Add the denied action/resource to its IAM policy (check SCPs and bucket/key policies too).',
      'Rotate or fix the access keys if they are invalid.',
    ],
    prevention: ['Manage IAM as code with tests.', 'Use IAM Access Analyzer to validate policies.'],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'db-authentication-failed',
    title: 'Database authentication failed',
    category: 'auth',
    severity: 'critical',
    patterns: [
      /\bpassword authentication failed for user\b/,
      sqlState('28P01'),
      /\bAccess denied for user '[^'\n]{0,100}'@'[^'\n]{0,255}'/,
      /\bER_ACCESS_DENIED_ERROR\b/,
      /\bERROR 1045\b/,
    ],
    rootCause:
      'The database rejected the credentials: the password was rotated or differs per environment, or the ' +
      'user/host grant does not exist for this client.',
    userImpact: 'No database connections can be made; everything that needs the database fails.',
    remediation: [
      'Check the user and password the service uses against the secret store.',
      'If the password was rotated, update the secret and restart the service.',
      'Check pg_hba.conf / MySQL user@host grants for this client address.',
    ],
    prevention: ['Rotate credentials with overlap (dual passwords).', 'Alert on authentication failures.'],
    remediationType: 'config_change',
    confidence: 0.93,
  },
  {
    id: 'db-permission-denied',
    title: 'Database permission denied',
    category: 'auth',
    severity: 'high',
    patterns: [
      /\bpermission denied for (?:table|relation|schema|sequence|database|function|view)\b/,
      sqlState('42501'),
      /\bcommand denied to user\b/,
    ],
    rootCause:
      'The database role lacks a privilege on the object: a new table/sequence was created without grants, ' +
      'or the service connects with a different role than expected.',
    userImpact: 'Queries touching that object fail every time.',
    remediation: [
      'GRANT the needed privilege on the object to the application role.',
      'Set default privileges so future objects are granted automatically.',
      'Check which role the service connects as.',
    ],
    prevention: ['Include grants in migrations.', 'Use ALTER DEFAULT PRIVILEGES for the app role.'],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'rabbitmq-login-refused',
    title: 'RabbitMQ login refused',
    category: 'auth',
    severity: 'high',
    patterns: [/\bACCESS_REFUSED - Login was refused\b/, /\blogin refused: user '[^'\n]{0,100}'/],
    rootCause:
      'RabbitMQ rejected the credentials: wrong user/password, the user lacks access to the vhost, or the ' +
      'default guest user is used from a non-local host.',
    userImpact: 'No messages are published or consumed by this service.',
    remediation: [
      'Check the AMQP URL credentials against the broker users.',
      'Grant the user permissions on the vhost (rabbitmqctl set_permissions).',
      'Do not use guest outside localhost; create a dedicated user.',
    ],
    prevention: ['Provision broker users as code.', 'Alert on broker connection failures.'],
    remediationType: 'config_change',
    confidence: 0.92,
  },
  {
    id: 'redis-auth-failed',
    title: 'Redis authentication failed',
    category: 'auth',
    severity: 'high',
    patterns: [
      /\bNOAUTH Authentication required\b/,
      /\bWRONGPASS invalid username-password pair\b/,
      /\bERR invalid password\b/,
    ],
    rootCause:
      'The Redis client sends no password or the wrong one: the password/ACL user was changed on the ' +
      'server or is missing from this environment’s Redis URL.',
    userImpact: 'Every Redis operation fails.',
    remediation: [
      'Put the correct password (and ACL user) in the Redis URL for this environment.',
      'Check whether requirepass/ACLs were changed on the server.',
      'Restart the service after fixing the secret.',
    ],
    prevention: ['Keep Redis credentials in the secret store.', 'Rotate with ACL users that overlap.'],
    remediationType: 'config_change',
    confidence: 0.92,
  },
  {
    id: 'http-401-unauthorized',
    title: 'HTTP 401 Unauthorized',
    category: 'auth',
    severity: 'medium',
    patterns: httpStatus(401, 'Unauthorized'),
    rootCause:
      'The request lacked valid credentials: the API key/token is missing, expired, revoked or belongs to ' +
      'another environment.',
    userImpact: 'Calls to that API fail until credentials are fixed.',
    remediation: [
      'Check which credential is sent and that it is valid for this environment.',
      'Rotate/reissue the API key or refresh the token.',
      'Update the secret and restart if it is read at startup.',
    ],
    prevention: ['Alert on 401s from dependencies.', 'Track credential expiry dates.'],
    remediationType: 'config_change',
    confidence: 0.75,
  },
  {
    id: 'http-403-forbidden',
    title: 'HTTP 403 Forbidden',
    category: 'auth',
    severity: 'medium',
    patterns: httpStatus(403, 'Forbidden'),
    rootCause:
      'The credentials are valid but lack permission for this resource or action (missing scope/role, IP ' +
      'allow-list, or resource owned by another account).',
    userImpact: 'The forbidden operation fails every time.',
    remediation: [
      'Read the response body: it usually names the missing permission or scope.',
      'Grant the scope/role, or call with the right account.',
      'Check IP allow-lists if the call comes from a new address.',
    ],
    prevention: ['Declare required scopes in configuration.', 'Test permissions after role changes.'],
    remediationType: 'config_change',
    confidence: 0.72,
  },
  {
    id: 'permission-denied',
    title: 'Permission denied',
    category: 'auth',
    severity: 'high',
    patterns: [/\bEACCES\b/, /\bEPERM\b/, /\bpermission denied\b/i, /\bPermissionError\b/],
    rootCause:
      'The process user lacks permission on a file, directory or socket: wrong ownership/mode after a ' +
      'deploy, a volume mounted read-only, or the container runs as a different user.',
    userImpact: 'The operation fails every time; the feature relying on the file is down.',
    remediation: [
      'Check the path in the error and its owner/mode (ls -l) versus the process user (id).',
      'Fix ownership/mode, or write to a directory the user owns.',
      'Check volume mounts and securityContext (runAsUser, fsGroup, readOnlyRootFilesystem).',
    ],
    prevention: ['Set file ownership in the image build.', 'Run the same user in dev and production.'],
    remediationType: 'config_change',
    confidence: 0.85,
  },

  {
    id: 'unique-violation',
    title: 'Unique constraint violation',
    category: 'data_integrity',
    severity: 'medium',
    patterns: [
      /\bduplicate key value violates unique constraint\b/,
      sqlState('23505'),
      /\bDuplicate entry '[^\n]{0,300}' for key\b/,
      /\bER_DUP_ENTRY\b/,
      /\bERROR 1062\b/,
      /\bE11000 duplicate key error\b/,
      /\bUNIQUE constraint failed\b/,
      /\bUniqueViolation\b/,
      /\bSequelizeUniqueConstraintError\b/,
    ],
    rootCause:
      'An insert/update tried to store a value that already exists under a unique constraint: a duplicate ' +
      'submission or retry, a race between two requests, or an id sequence out of sync.',
    userImpact: 'The write fails; the user may see an error for something that already exists.',
    remediation: [
      'Make the write idempotent (INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE, upsert).',
      'Return 409 Conflict instead of 500 for genuine duplicates.',
      'If ids collide, reset the sequence to max(id).',
    ],
    prevention: ['Use idempotency keys for create endpoints.', 'Handle unique violations explicitly.'],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'foreign-key-violation',
    title: 'Foreign key violation',
    category: 'data_integrity',
    severity: 'medium',
    patterns: [
      /\bviolates foreign key constraint\b/,
      sqlState('23503'),
      /\ba foreign key constraint fails\b/,
      /\bER_NO_REFERENCED_ROW(?:_2)?\b/,
      /\bER_ROW_IS_REFERENCED(?:_2)?\b/,
      /\bFOREIGN KEY constraint failed\b/,
      /\bForeignKeyViolation\b/,
    ],
    rootCause:
      'A row references a parent that does not exist (or a parent with children is being deleted): ' +
      'operations run out of order, a parent was deleted concurrently, or the id comes from another ' +
      'environment.',
    userImpact: 'The write fails; related data cannot be saved or deleted.',
    remediation: [
      'Check the referenced key in the DETAIL: does the parent exist?',
      'Create parents before children in the same transaction; delete children first (or cascade).',
      'Validate referenced ids and return 4xx for unknown ones.',
    ],
    prevention: ['Validate references before writing.', 'Define ON DELETE behaviour explicitly.'],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'not-null-violation',
    title: 'Not-null constraint violation',
    category: 'data_integrity',
    severity: 'medium',
    patterns: [
      /\bviolates not-null constraint\b/,
      sqlState('23502'),
      /\bColumn '[^'\n]{1,100}' cannot be null\b/,
      /\bER_BAD_NULL_ERROR\b/,
      /\bNOT NULL constraint failed\b/,
      /\bNotNullViolation\b/,
    ],
    rootCause:
      'A write left a required column empty: the code does not set the field on this path, input ' +
      'validation let a missing value through, or a new NOT NULL column lacks a default.',
    userImpact: 'The write fails for every request that takes this path.',
    remediation: [
      'Find the column in the error and the code path that omits it.',
      'Validate the field at the API boundary (return 400) or supply a default.',
      'For new columns, add a default or backfill before adding NOT NULL.',
    ],
    prevention: [
      'Validate inputs against the schema.',
      'Roll out NOT NULL columns in expand/contract steps.',
    ],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'check-violation',
    title: 'Check constraint violation',
    category: 'data_integrity',
    severity: 'medium',
    patterns: [/\bviolates check constraint\b/, sqlState('23514'), /\bCHECK constraint failed\b/i],
    rootCause:
      'A write would store a value the table’s CHECK constraint forbids (negative amount, bad status): the ' +
      'application lets an invalid value through.',
    userImpact: 'The write fails.',
    remediation: [
      'Read the constraint name and the failing row in the error.',
      'Validate the value in the application before writing and return 400 for bad input.',
    ],
    prevention: ['Mirror database constraints in input validation.', 'Test boundary values.'],
    remediationType: 'code_fix',
    confidence: 0.9,
  },

  // Bad input rules are low severity: the caller is refused, the system works as designed.
  {
    id: 'card-declined',
    title: 'Card declined',
    category: 'bad_input',
    severity: 'low',
    patterns: [
      /\bYour card was declined\b/,
      /\bcard_declined\b/,
      /\bYour card has insufficient funds\b/,
      /\bYour card has expired\b/,
      /\bYour card's security code is incorrect\b/,
      /\bYour card number is incorrect\b/,
    ],
    rootCause:
      'The card issuer declined the payment (insufficient funds, expired card, fraud rules): the ' +
      'customer’s card was legitimately refused, not a system failure.',
    userImpact: 'That customer cannot complete the payment with this card.',
    remediation: [
      'Show the decline message and ask the customer for another payment method.',
      'Only investigate if decline rates spike across many customers.',
    ],
    prevention: [
      'Alert on decline-rate anomalies rather than individual declines.',
      'Offer alternative methods.',
    ],
    remediationType: 'none',
    confidence: 0.93,
  },
  {
    id: 'payload-too-large',
    title: 'Request body too large',
    category: 'bad_input',
    severity: 'low',
    patterns: [/\bPayloadTooLargeError\b/, /\brequest entity too large\b/i, /\bentity\.too\.large\b/],
    rootCause:
      'The client sent a body larger than the configured limit: an oversized upload, or a client sending ' +
      'more than expected.',
    userImpact: 'That request is rejected with 413.',
    remediation: [
      'Check whether the payload is legitimate; if so raise the body-parser/proxy limit for that route.',
      'Otherwise return a clear 413 and document the limit.',
    ],
    prevention: ['Use direct-to-storage uploads for large files.', 'Document payload limits.'],
    remediationType: 'none',
    confidence: 0.88,
  },
  {
    id: 'invalid-input-value',
    title: 'Invalid value for its type',
    category: 'bad_input',
    severity: 'low',
    patterns: [
      /\binvalid input syntax for type \w/,
      sqlState('22P02'),
      /\bvalue too long for type /,
      /\bdate\/time field value out of range\b/,
      /\binvalid input value for enum\b/,
      /\bData too long for column\b/,
      /\bIncorrect (?:integer|decimal|datetime|date|double) value\b/,
      /\binvalid literal for int\(\) with base \d+/,
    ],
    rootCause:
      'A value of the wrong format reached the parser or database (text where a number/uuid/date is ' +
      'expected, too long a string): the input was not validated at the API boundary.',
    userImpact: 'That request fails, often with a 500 instead of a helpful 400.',
    remediation: [
      'Validate and coerce the field at the API boundary and return 400 with the field name.',
      'Check which client sends the malformed value.',
    ],
    prevention: ['Schema-validate request parameters (ids, dates, lengths).', 'Fuzz-test input parsing.'],
    remediationType: 'code_fix',
    confidence: 0.85,
  },
  {
    id: 'missing-required-parameter',
    title: 'Missing required parameter',
    category: 'bad_input',
    severity: 'low',
    patterns: [
      /\bMissing required param(?:eter)?s?\b/i,
      /\bMissingRequiredParameter\b/,
      /\bparameter_missing\b/,
      /\bmissing required (?:field|argument|key|property)\b/i,
    ],
    rootCause:
      'A call was made without a required parameter: the caller omitted it, or our code did not pass it ' +
      'through to the downstream API.',
    userImpact: 'That request fails.',
    remediation: [
      'Check whether the missing parameter comes from user input (return 400) or from our own code (fix).',
      'Validate required fields before calling the downstream API.',
    ],
    prevention: ['Type request builders so required fields cannot be omitted.', 'Contract-test API calls.'],
    remediationType: 'code_fix',
    confidence: 0.8,
  },
  {
    id: 'zod-validation-error',
    title: 'Schema validation failed (Zod)',
    category: 'bad_input',
    severity: 'low',
    patterns: [/\bZodError\b/],
    rootCause:
      'Data did not match its Zod schema: the client sent an invalid payload, or an upstream changed its ' +
      'response shape.',
    userImpact: 'That request is rejected.',
    remediation: [
      'Read the issue paths in the error to see which fields failed.',
      'Return 400 with the issues for client input; update the schema if an upstream changed.',
    ],
    prevention: ['Use safeParse at boundaries and map errors to 400.', 'Version API contracts.'],
    remediationType: 'none',
    confidence: 0.8,
  },
  {
    id: 'pydantic-validation-error',
    title: 'Schema validation failed (pydantic)',
    category: 'bad_input',
    severity: 'low',
    patterns: [/\b\d+ validation errors? for [A-Za-z_]\w{0,100}/],
    rootCause:
      'Data did not match the pydantic model: the client sent missing or mistyped fields, or an upstream ' +
      'response changed shape.',
    userImpact: 'That request is rejected.',
    remediation: [
      'Read the field names and error types listed under the error.',
      'Return 422/400 for client input; adapt the model if an upstream changed.',
    ],
    prevention: ['Validate at the boundary and document the schema.', 'Contract-test upstream responses.'],
    remediationType: 'none',
    confidence: 0.76,
  },
  {
    id: 'malformed-json-body',
    title: 'Malformed JSON',
    category: 'bad_input',
    severity: 'low',
    patterns: [
      /\bUnexpected end of JSON input\b/,
      /\bentity\.parse\.failed\b/,
      /\bin JSON at position \d+/,
      /\bis not valid JSON\b/,
      /\bJSONDecodeError\b/,
      /\bExpected property name or '\}' in JSON\b/,
    ],
    rootCause:
      'A request body (or message) is not valid JSON: empty or truncated, single quotes, trailing commas, ' +
      'or a wrong Content-Type from the client.',
    userImpact: 'That request is rejected.',
    remediation: [
      'Return 400 with a parse error instead of 500.',
      'Check which client sends the malformed body (user agent, route).',
    ],
    prevention: ['Handle body-parser errors in the error middleware.', 'Provide client SDKs that serialise.'],
    remediationType: 'none',
    confidence: 0.7,
  },
  {
    id: 'http-400-bad-request',
    title: 'HTTP 400 Bad Request',
    category: 'bad_input',
    severity: 'low',
    patterns: httpStatus(400, 'Bad Request'),
    rootCause:
      'The remote API rejected the request as invalid: a parameter is missing or malformed, often after a ' +
      'change in our request building or in the API contract.',
    userImpact: 'The operation fails for requests of this shape.',
    remediation: [
      'Log the response body: it usually names the invalid field.',
      'Compare the request with the API documentation/version.',
    ],
    prevention: ['Contract-test outgoing requests.', 'Pin API versions.'],
    remediationType: 'code_fix',
    confidence: 0.65,
  },
  {
    id: 'validation-failed',
    title: 'Validation failed',
    category: 'bad_input',
    severity: 'low',
    patterns: [/\bvalidation (?:failed|error)\b/i, /\bValidationError\b/],
    rootCause: 'Input failed validation: the caller sent missing or invalid fields.',
    userImpact: 'That request is rejected.',
    remediation: [
      'Check which field failed and whether the client or our code produced it.',
      'Return 400 with field-level messages.',
    ],
    prevention: ['Validate at the API boundary with one schema.', 'Document required fields.'],
    remediationType: 'none',
    confidence: 0.6,
  },

  // A missing table, column or file is a deployment gap (migration not run, file not shipped), not a bug.
  {
    id: 'undefined-table',
    title: 'Table does not exist',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\brelation "[^"\n]{1,200}" does not exist\b/,
      sqlState('42P01'),
      /\bTable '[^'\n]{1,200}' doesn't exist\b/,
      /\bER_NO_SUCH_TABLE\b/,
      /\bERROR 1146\b/,
      /\bno such table: /,
      /\bUndefinedTable\b/,
    ],
    rootCause:
      'The code queries a table this database does not have: migrations were not run in this environment, ' +
      'the service points to the wrong database/schema (search_path), or the table name is misspelled.',
    userImpact: 'Every request touching that table fails.',
    remediation: [
      'Check the migration status of this environment and run pending migrations.',
      'Verify the connection points to the intended database and schema.',
      'Fix the table name if it is a typo.',
    ],
    prevention: ['Run migrations as a deploy step before the new code starts.', 'Check schema drift in CI.'],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'undefined-column',
    title: 'Column does not exist',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\bcolumn "[^"\n]{1,200}"(?: of relation "[^"\n]{1,200}")? does not exist\b/,
      sqlState('42703'),
      /\bUnknown column '[^'\n]{1,200}' in /,
      /\bER_BAD_FIELD_ERROR\b/,
      /\bno such column: /,
      /\bUndefinedColumn\b/,
    ],
    rootCause:
      'The code expects a column the database schema does not have: a migration was not applied in this ' +
      'environment (or was rolled back), or the query names the column wrongly.',
    userImpact: 'Every request running that query fails.',
    remediation: [
      'Check whether a migration adding the column is pending here and run it.',
      'If the schema is right, fix the column name in the query.',
    ],
    prevention: [
      'Deploy schema changes before code that uses them (expand/contract).',
      'Test against migrations.',
    ],
    remediationType: 'config_change',
    confidence: 0.85,
  },
  {
    id: 'database-missing',
    title: 'Database does not exist',
    category: 'configuration',
    severity: 'critical',
    patterns: [
      /\bdatabase "[^"\n]{1,200}" does not exist\b/,
      sqlState('3D000'),
      /\bUnknown database '[^'\n]{1,200}'/,
      /\bER_BAD_DB_ERROR\b/,
    ],
    rootCause:
      'The connection names a database that does not exist on this server: a wrong database name in the ' +
      'connection string, or the database was never created in this environment.',
    userImpact: 'No database access at all; everything depending on it fails.',
    remediation: [
      'Check the database name in the connection string for this environment.',
      'Create the database (and run migrations) if it should exist.',
    ],
    prevention: ['Provision databases as code.', 'Validate the connection at startup.'],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'db-role-missing',
    title: 'Database role does not exist',
    category: 'configuration',
    severity: 'critical',
    patterns: [/\brole "[^"\n]{1,200}" does not exist\b/],
    rootCause:
      'The connection uses a database user that does not exist on this server: a wrong user in the ' +
      'connection string, or the role was never created here.',
    userImpact: 'No database access; everything depending on it fails.',
    remediation: [
      'Check the user in the connection string for this environment.',
      'Create the role with the needed grants if it should exist.',
    ],
    prevention: ['Provision roles as code.', 'Validate the connection at startup.'],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'module-not-found',
    title: 'Module or class not found',
    category: 'configuration',
    severity: 'critical',
    patterns: [
      /\bCannot find module\b/,
      /\bMODULE_NOT_FOUND\b/,
      /\bERR_MODULE_NOT_FOUND\b/,
      /\bCannot find package '/,
      /\bModuleNotFoundError: No module named\b/,
      /\bImportError: No module named\b/,
      /\bClassNotFoundException\b/,
      /\bNoClassDefFoundError\b/,
    ],
    rootCause:
      'A dependency or file is missing from the deployed artifact: it is listed as a devDependency, was ' +
      'not installed/bundled, the build output is incomplete, or an import path is wrong (case-sensitive ' +
      'filesystems).',
    userImpact: 'The service (or the code path importing the module) cannot start.',
    remediation: [
      'Check the module is in dependencies (not devDependencies) and installed in the image.',
      'Rebuild and redeploy; verify the build output contains the file.',
      'Check the import path and its letter case.',
    ],
    prevention: ['Smoke-test the production image (start it) in CI.', 'Use lockfiles and npm ci.'],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'file-not-found',
    title: 'File not found',
    category: 'configuration',
    severity: 'medium',
    patterns: [
      /\bENOENT\b/,
      /\bno such file or directory\b/i,
      /\bFileNotFoundError\b/,
      /\bFileNotFoundException\b/,
      /\bNoSuchFileException\b/,
    ],
    rootCause:
      'A file, directory or executable the code expects is missing: a config/cert file not mounted, a ' +
      'relative path resolved from another working directory, or a binary not installed in the image.',
    userImpact: 'The operation needing the file fails (possibly startup).',
    remediation: [
      'Check the path in the error exists in the running container/host.',
      'Mount or ship the file; resolve paths relative to the module, not the working directory.',
      'Install the missing executable in the image (for spawn ... ENOENT).',
    ],
    prevention: ['Check required files at startup.', 'Use absolute, configured paths.'],
    remediationType: 'config_change',
    confidence: 0.78,
  },
  {
    id: 'rabbitmq-inequivalent-arg',
    title: 'RabbitMQ queue declared with different arguments',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bPRECONDITION_FAILED - inequivalent arg\b/],
    rootCause:
      'The queue/exchange already exists with different properties (durable, TTL, DLX, type) than this ' +
      'client declares: two services or versions disagree on its definition.',
    userImpact: 'The declaring service cannot publish/consume on that queue.',
    remediation: [
      'Compare the declared arguments with the existing queue (management UI).',
      'Align the declarations, or delete and recreate the queue in a maintenance window (it loses messages).',
      'Use policies for TTL/DLX instead of per-client arguments.',
    ],
    prevention: ['Define topology in one place (definitions file or one owner service).', 'Prefer policies.'],
    remediationType: 'config_change',
    confidence: 0.92,
  },
  {
    id: 'rabbitmq-not-found',
    title: 'RabbitMQ queue or exchange missing',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bNOT_FOUND - no (?:queue|exchange) '/],
    rootCause:
      'The client uses a queue/exchange that is not declared on this vhost: the topology was not created ' +
      'in this environment, or the name/vhost is wrong.',
    userImpact: 'Messages for that queue/exchange are not published or consumed.',
    remediation: [
      'Declare the queue/exchange (or import the broker definitions) for this environment.',
      'Check the name and vhost in the configuration.',
    ],
    prevention: ['Declare topology at startup or via definitions.', 'Check the topology in deploy scripts.'],
    remediationType: 'config_change',
    confidence: 0.88,
  },
  {
    id: 'k8s-image-pull-failed',
    title: 'Container image cannot be pulled',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\bImagePullBackOff\b/,
      /\bErrImagePull\b/,
      /\bBack-off pulling image\b/,
      /\bFailed to pull image\b/,
      /\bInvalidImageName\b/,
    ],
    rootCause:
      'Kubernetes cannot pull the image: the tag does not exist (build not pushed, typo), or the registry ' +
      'credentials (imagePullSecrets) are missing or expired.',
    userImpact: 'New pods do not start; the rollout stalls (old pods may keep serving).',
    remediation: [
      'kubectl describe pod to read the pull error (not found vs unauthorized).',
      'Push the image/tag or fix the tag in the manifest.',
      'Fix imagePullSecrets or registry permissions.',
    ],
    prevention: [
      'Deploy immutable tags produced by CI.',
      'Verify the image exists before applying manifests.',
    ],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'k8s-missing-secret-or-configmap',
    title: 'Pod references a missing Secret or ConfigMap',
    category: 'configuration',
    severity: 'high',
    patterns: [
      /\bCreateContainerConfigError\b/,
      /\b(?:secret|configmap) "[^"\n]{1,253}" not found\b/,
      /\bcouldn't find key [^\s]{1,253} in (?:Secret|ConfigMap)\b/,
    ],
    rootCause:
      'The pod spec references a Secret/ConfigMap (or key) that does not exist in the namespace, so the ' +
      'container cannot be created.',
    userImpact: 'New pods do not start; the rollout stalls.',
    remediation: [
      'kubectl describe pod to see the missing object/key.',
      'Create the Secret/ConfigMap in this namespace or fix the reference.',
    ],
    prevention: ['Deploy secrets and config with the workload (same release).', 'Validate manifests in CI.'],
    remediationType: 'config_change',
    confidence: 0.9,
  },
  {
    id: 'k8s-crashloop-backoff',
    title: 'Container crash-looping',
    category: 'configuration',
    severity: 'high',
    patterns: [/\bCrashLoopBackOff\b/, /\bBack-off restarting failed container\b/],
    rootCause:
      'The container exits shortly after each start. The loop is a symptom; the most common causes are a ' +
      'missing env var/secret, a wrong command, or a dependency that is unreachable at startup.',
    userImpact: 'The workload is down or running below capacity.',
    remediation: [
      'Read the previous container’s logs (kubectl logs --previous) for the real error.',
      'Check the exit code and reason (OOMKilled, Error) in kubectl describe pod.',
      'Roll back to the last working release if the loop started with a deploy.',
    ],
    prevention: [
      'Validate configuration at startup with clear errors.',
      'Use readiness probes and canaries.',
    ],
    remediationType: 'config_change',
    confidence: 0.6,
  },

  {
    id: 'js-undefined-property',
    title: 'Property read on undefined or null',
    category: 'code_defect',
    severity: 'medium',
    patterns: [
      /\bCannot read propert(?:y|ies) of (?:undefined|null)\b/,
      /\bCannot read property '[^'\n]{1,200}' of (?:undefined|null)\b/,
      /\bCannot set propert(?:y|ies) of (?:undefined|null)\b/,
      /\bCannot destructure property '[^'\n]{1,200}' of '[^'\n]{1,200}' as it is (?:undefined|null)/,
      /\bundefined is not an object \(evaluating\b/,
    ],
    rootCause:
      'Code reads a property of a value that is undefined/null: an unhandled empty result (not found, ' +
      'empty array, missing optional field) or an upstream response of a different shape.',
    userImpact: 'Requests taking this path fail with 500.',
    remediation: [
      'Find the expression in the stack trace and handle the missing value (guard, default, 404).',
      'Check whether the data is legitimately absent or an upstream changed its shape.',
      'Add a test for the empty case.',
    ],
    prevention: [
      'Enable strict null checks and noUncheckedIndexedAccess.',
      'Validate external data with a schema.',
    ],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'js-not-a-function',
    title: 'Value is not a function',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bTypeError: [^\n]{1,200} is not (?:a function|a constructor|iterable)\b/],
    rootCause:
      'Code calls something that is not a function (or iterates a non-iterable): a wrong import (default ' +
      'vs named, ESM/CJS interop), a renamed API after an upgrade, or data of an unexpected type.',
    userImpact: 'Requests taking this path fail.',
    remediation: [
      'Check the import of the called name and the installed version’s API.',
      'Log the value’s type at that point if it comes from data.',
      'Fix and add a test covering the call.',
    ],
    prevention: ['Type-check imports (TypeScript strict).', 'Pin and review dependency upgrades.'],
    remediationType: 'code_fix',
    confidence: 0.85,
  },
  {
    id: 'js-reference-error',
    title: 'Undeclared variable',
    category: 'code_defect',
    severity: 'high',
    patterns: [
      /\bReferenceError: [\w$.]{1,200} is not defined\b/,
      /\bReferenceError: Cannot access '[^'\n]{1,200}' before initialization\b/,
    ],
    rootCause:
      'Code uses an identifier that is not in scope: a typo, a missing import, a browser/Node global used ' +
      'in the other runtime, or a circular import (access before initialization).',
    userImpact: 'Every execution of that code path fails.',
    remediation: [
      'Import or declare the identifier; read process.env.X for configuration values.',
      'Break the circular import if the error is "before initialization".',
    ],
    prevention: ['Lint with no-undef / TypeScript.', 'Run the code path in tests.'],
    remediationType: 'code_fix',
    confidence: 0.85,
  },
  {
    id: 'python-none-value',
    title: 'None used as a value',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/'NoneType' object (?:has no attribute|is not (?:subscriptable|iterable|callable))/],
    rootCause:
      'Code uses None as an object: a lookup returned None (not found, missing key, function without ' +
      'return) and the result was used without a check.',
    userImpact: 'Requests taking this path fail.',
    remediation: [
      'Find the variable in the traceback and handle the None case (404, default).',
      'Check functions that may implicitly return None.',
    ],
    prevention: ['Use type hints with Optional and run mypy/pyright.', 'Test not-found paths.'],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'go-nil-pointer',
    title: 'Nil pointer dereference',
    category: 'code_defect',
    severity: 'high',
    patterns: [/\binvalid memory address or nil pointer dereference\b/, /\bassignment to entry in nil map\b/],
    rootCause:
      'Go code dereferenced a nil pointer/interface or wrote to a nil map: a value that is nil on an error ' +
      'or not-found path was used without a check (often after ignoring an error).',
    userImpact: 'The request panics (and the process crashes if the panic is not recovered).',
    remediation: [
      'Find the line in the goroutine trace and check the error/nil before use.',
      'Initialise maps with make before writing.',
      'Recover panics in HTTP middleware so one request cannot crash the process.',
    ],
    prevention: ['Never ignore returned errors (errcheck lint).', 'Run nilaway/staticcheck in CI.'],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'java-null-pointer',
    title: 'NullPointerException',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bNullPointerException\b/],
    rootCause:
      'Java code used a null reference: a lookup returned null (missing map entry, not-found entity, unset ' +
      'field) and the result was used unchecked.',
    userImpact: 'Requests taking this path fail with 500.',
    remediation: [
      'Read the helpful NPE message/stack to find the null expression.',
      'Handle the absent value (Optional, 404, default).',
    ],
    prevention: ['Annotate nullability and run a null checker (NullAway).', 'Test not-found paths.'],
    remediationType: 'code_fix',
    confidence: 0.9,
  },
  {
    id: 'index-out-of-range',
    title: 'Index out of range',
    category: 'code_defect',
    severity: 'medium',
    patterns: [
      /\bindex out of range \[-?\d+\] with length \d+/,
      /\bslice bounds out of range\b/,
      /\bIndexError: (?:list|tuple|string) index out of range\b/,
      /\b(?:Array|String)?IndexOutOfBoundsException\b/,
    ],
    rootCause:
      'Code indexes past the end of a list/array: it assumes a non-empty result or a fixed number of parts ' +
      '(split, regex groups) that the data does not have.',
    userImpact: 'Requests with such data fail (a Go panic may crash the process).',
    remediation: [
      'Check the length before indexing and handle the empty case.',
      'Find which input produced the short list and add it as a test case.',
    ],
    prevention: ['Avoid positional access on external data.', 'Property-test parsing code.'],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'json-circular-structure',
    title: 'Circular structure serialised to JSON',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bConverting circular structure to JSON\b/, /\bCircular reference detected\b/],
    rootCause:
      'Code serialises an object graph that references itself: usually a request/response/socket, an ORM ' +
      'entity with back-references, or an error object passed to JSON.stringify or a logger.',
    userImpact: 'The response or log write fails, often turning a success into a 500.',
    remediation: [
      'Find what is serialised and pick the needed fields (DTO) instead of the whole object.',
      'Use a safe serializer for logs.',
    ],
    prevention: ['Serialise explicit DTOs.', 'Use a logger with safe serialisation.'],
    remediationType: 'code_fix',
    confidence: 0.93,
  },
  {
    id: 'value-not-serializable',
    title: 'Value cannot be serialised',
    category: 'code_defect',
    severity: 'medium',
    patterns: [
      /\bDo not know how to serialize a BigInt\b/,
      /\bis not JSON serializable\b/,
      /\bjson: unsupported (?:type|value)\b/,
    ],
    rootCause:
      'Code serialises a value JSON cannot represent: a BigInt (e.g. a bigint/int8 column), a ' +
      'datetime/Decimal/custom object in Python, NaN or a channel in Go.',
    userImpact: 'The response fails with 500 for data containing such values.',
    remediation: [
      'Convert the value explicitly (BigInt to string, datetime to ISO string) before serialising.',
      'Add a serializer (toJSON, default=, custom marshaller) for the type.',
    ],
    prevention: [
      'Map database types to JSON-safe types in one place.',
      'Test responses with real data types.',
    ],
    remediationType: 'code_fix',
    confidence: 0.9,
  },
  {
    id: 'assertion-failed',
    title: 'Assertion failed',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bAssertionError\b/, /\bERR_ASSERTION\b/, /\bassertion failed\b/i],
    rootCause:
      'An internal invariant the code asserts does not hold: an assumption about state or data is wrong, ' +
      'or state was corrupted earlier.',
    userImpact: 'The operation is aborted.',
    remediation: [
      'Read the assertion message and values; reproduce with the same input.',
      'Fix the code that breaks the invariant (or the assumption if it was wrong).',
    ],
    prevention: ['Test the invariant’s edge cases.', 'Validate external data before it reaches core logic.'],
    remediationType: 'code_fix',
    confidence: 0.8,
  },
  {
    id: 'stack-overflow',
    title: 'Stack overflow / infinite recursion',
    category: 'code_defect',
    severity: 'high',
    patterns: [
      /\bMaximum call stack size exceeded\b/,
      /\bRecursionError\b/,
      /\bmaximum recursion depth exceeded\b/,
      /\bStackOverflowError\b/,
      /\bgoroutine stack exceeds \d+-byte limit\b/,
      /\bfatal error: stack overflow\b/,
    ],
    rootCause:
      'Unbounded recursion: a function (or two functions, getters, toJSON, event handlers) calls itself ' +
      'without a terminating case, or walks cyclic/deeply nested data recursively.',
    userImpact: 'The request fails; in Go the whole process crashes.',
    remediation: [
      'Find the repeating frames in the stack trace.',
      'Add the missing base case or track visited nodes for cyclic data.',
      'Convert deep recursion to iteration.',
    ],
    prevention: ['Limit nesting depth of accepted input.', 'Test recursive code with cyclic data.'],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'collection-modified-during-iteration',
    title: 'Collection modified during iteration',
    category: 'code_defect',
    severity: 'medium',
    patterns: [
      /\bConcurrentModificationException\b/,
      /\bchanged size during iteration\b/,
      /\bCollection was modified; enumeration operation may not execute\b/,
    ],
    rootCause:
      'Code adds/removes elements of a collection while iterating it (same thread), or shares a ' +
      'non-thread-safe collection between threads.',
    userImpact: 'The operation fails, sometimes only under particular data or load.',
    remediation: [
      'Iterate over a copy, or collect changes and apply them after the loop (or use removeIf).',
      'Use concurrent collections if several threads share it.',
    ],
    prevention: ['Avoid mutating collections inside loops.', 'Use immutable collections where possible.'],
    remediationType: 'code_fix',
    confidence: 0.85,
  },
  {
    id: 'division-by-zero',
    title: 'Division by zero',
    category: 'code_defect',
    severity: 'medium',
    patterns: [
      /\bZeroDivisionError\b/,
      /\bdivision by zero\b/,
      /\bArithmeticException: \/ by zero\b/,
      /\binteger divide by zero\b/,
    ],
    rootCause:
      'A computation divides by a value that can be zero (empty set, zero quantity/total) without handling ' +
      'that case.',
    userImpact: 'Requests with such data fail.',
    remediation: [
      'Guard the divisor and define the result for zero (0, null, N/A).',
      'Add a test with zero.',
    ],
    prevention: ['Test aggregates with empty inputs.', 'Use NULLIF(divisor, 0) in SQL.'],
    remediationType: 'code_fix',
    confidence: 0.85,
  },
  {
    id: 'db-used-after-close',
    title: 'Database client used after close',
    category: 'code_defect',
    severity: 'high',
    patterns: [
      /\bsql: database is closed\b/,
      /\bsql: connection is already closed\b/,
      /\bCannot use a pool after calling end on the pool\b/,
      /\bClient was closed and is not queryable\b/,
      /\bClient has encountered a connection error and is not queryable\b/,
    ],
    rootCause:
      'Code uses a database pool/client after it was closed or broke: a shutdown that closes the pool ' +
      'while requests or jobs still run, a pool closed too early, or a single long-lived client kept in ' +
      'use after its connection failed.',
    userImpact: 'Requests in flight during shutdown (or on that path) fail.',
    remediation: [
      'Stop accepting work and drain in-flight requests before closing the pool.',
      'Create the pool once per process and close it only at exit.',
      'Use a pool (which replaces broken connections) instead of one long-lived client.',
    ],
    prevention: ['Order graceful shutdown: server close, drain, then pool end.', 'Test shutdown under load.'],
    remediationType: 'code_fix',
    confidence: 0.88,
  },
  {
    id: 'redis-wrongtype',
    title: 'Redis key holds a different type',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bWRONGTYPE Operation against a key holding the wrong kind of value\b/],
    rootCause:
      'Two code paths use the same Redis key with different data types (string vs list/hash): a key naming ' +
      'collision or a changed data format without migration.',
    userImpact: 'Operations on that key fail until it is fixed.',
    remediation: [
      'Inspect the key (TYPE key) and find both writers.',
      'Namespace keys by purpose/version, and delete or migrate the conflicting key.',
    ],
    prevention: ['Prefix keys with a feature and version.', 'Centralise key builders.'],
    remediationType: 'code_fix',
    confidence: 0.9,
  },
  {
    id: 'rabbitmq-unknown-delivery-tag',
    title: 'RabbitMQ ack with unknown delivery tag',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bPRECONDITION_FAILED - unknown delivery tag\b/],
    rootCause:
      'The consumer acked/nacked a message twice, on a different channel than it was delivered on, or ' +
      'after the channel was reopened; the broker closes the channel.',
    userImpact: 'The channel closes; in-flight messages are redelivered and may be processed twice.',
    remediation: [
      'Ack each message exactly once, on the channel that delivered it.',
      'Do not ack in noAck (auto-ack) mode.',
    ],
    prevention: ['Wrap message handling so ack/nack happens in one place.', 'Make handlers idempotent.'],
    remediationType: 'code_fix',
    confidence: 0.92,
  },
  {
    id: 'python-key-error',
    title: 'Missing dictionary key',
    category: 'code_defect',
    severity: 'medium',
    patterns: [/\bKeyError: /],
    rootCause: 'Code reads a dict key that is absent: input or upstream data lacks a field the code assumes.',
    userImpact: 'Requests with such data fail.',
    remediation: [
      'Use .get() with a default or validate the data before use.',
      'Check whether the key comes from user input (400) or an upstream change.',
    ],
    prevention: ['Validate external data with a schema.', 'Test with minimal payloads.'],
    remediationType: 'code_fix',
    confidence: 0.6,
  },

  // An HTML page where JSON was expected is an upstream error page: it outranks malformed-JSON input.
  {
    id: 'upstream-html-instead-of-json',
    title: 'Upstream returned HTML instead of JSON',
    category: 'dependency_failure',
    severity: 'medium',
    patterns: [
      /\bUnexpected token '<', "</,
      /\bUnexpected token < in JSON at position 0\b/,
      /\binvalid character '<' looking for beginning of value\b/,
      /\brequests\.exceptions\.JSONDecodeError\b/,
    ],
    rootCause:
      'A downstream API answered with an HTML page (error page from a proxy/load balancer, login page, ' +
      'maintenance page) instead of JSON, usually with a 5xx/4xx status the client did not check.',
    userImpact: 'The feature depending on that API fails.',
    remediation: [
      'Log the status code and first bytes of the body before parsing.',
      'Check the upstream’s health and the URL/base path used (a wrong path returns an HTML 404).',
      'Check the status code before parsing JSON and retry 5xx with backoff.',
    ],
    prevention: ['Check Content-Type and status before parsing.', 'Add a circuit breaker on the upstream.'],
    remediationType: 'external',
    confidence: 0.88,
  },
  {
    id: 'kafka-leader-not-available',
    title: 'Kafka partition leader unavailable',
    category: 'dependency_failure',
    severity: 'medium',
    patterns: [
      /\bLEADER_NOT_AVAILABLE\b/,
      /\bThere is no leader for this topic-partition\b/,
      /\bNOT_LEADER_(?:FOR_PARTITION|OR_FOLLOWER)\b/,
      /\bThis server is not the leader for that topic-partition\b/,
      /\b(?:LeaderNotAvailable|NotLeaderOrFollower|NotLeaderForPartition)Exception\b/,
    ],
    rootCause:
      'The partition is between leaders: a broker restart, rolling upgrade or leader election is in ' +
      'progress, or the topic was just auto-created. Usually transient.',
    userImpact: 'Produces/consumes for that partition fail or stall briefly.',
    remediation: [
      'Let the client retry with backoff (it refreshes metadata).',
      'If persistent, check broker health and under-replicated partitions.',
    ],
    prevention: ['Create topics explicitly before use.', 'Use rolling restarts with controlled shutdown.'],
    remediationType: 'retry',
    confidence: 0.88,
  },
  {
    id: 'kafka-broker-not-available',
    title: 'Kafka broker not available',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [
      /\bBROKER_NOT_AVAILABLE\b/,
      /\bThe broker is not available\b/,
      /\bBrokerNotAvailableException\b/,
      /\bKafkaJSBrokerNotFound\b/,
    ],
    rootCause: 'A Kafka broker the cluster metadata refers to is down or restarting.',
    userImpact: 'Partitions led by that broker are unavailable until failover.',
    remediation: [
      'Check the broker process and its logs.',
      'Restart the broker or let partitions fail over; retry the client.',
    ],
    prevention: ['Run with replication factor ≥ 3 and min.insync.replicas 2.', 'Alert on offline brokers.'],
    remediationType: 'external',
    confidence: 0.85,
  },
  {
    id: 'kafka-retries-exceeded',
    title: 'Kafka client gave up after retries',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [/\bKafkaJSNumberOfRetriesExceeded\b/, /\bKafkaJSNonRetriableError\b/],
    rootCause:
      'The Kafka client exhausted its retries: the cluster stayed unreachable or kept failing (broker ' +
      'down, leader elections, authentication) longer than the retry budget.',
    userImpact: 'Events were not produced/consumed; data may be lost if not buffered.',
    remediation: [
      'Read the underlying cause in the error chain (connection, leader, auth).',
      'Check broker health; restart the client after recovery.',
      'Tune retry settings if outages are short but frequent.',
    ],
    prevention: ['Use an outbox or local buffer for produced events.', 'Alert on producer errors.'],
    remediationType: 'external',
    confidence: 0.78,
  },
  {
    id: 'rabbitmq-channel-error',
    title: 'RabbitMQ channel error',
    category: 'dependency_failure',
    severity: 'medium',
    patterns: [/\bCHANNEL_ERROR\b/, /\b504 \(CHANNEL-ERROR\)/],
    rootCause:
      'The broker closed the connection for a channel protocol error, typically a client reopening a ' +
      'channel id the broker still considers open after a server-side channel close.',
    userImpact: 'The whole connection closes; all its channels stop publishing/consuming.',
    remediation: [
      'Reconnect (most clients need a new connection after this).',
      'Upgrade the AMQP client and handle channel close events before reusing channels.',
    ],
    prevention: ['Recreate channels only after a close completes.', 'Use a client with automatic recovery.'],
    remediationType: 'restart',
    confidence: 0.85,
  },
  {
    id: 'rabbitmq-precondition-failed',
    title: 'RabbitMQ precondition failed',
    category: 'dependency_failure',
    severity: 'medium',
    patterns: [/\bPRECONDITION_FAILED\b/, /\b406 \(PRECONDITION-FAILED\)/],
    rootCause:
      'The broker refused an operation whose preconditions did not hold (queue properties, delivery tags, ' +
      'message size, queue length limits) and closed the channel.',
    userImpact: 'The channel closes; its operations fail until reopened.',
    remediation: [
      'Read the text after PRECONDITION_FAILED to see which precondition failed.',
      'Fix the declaration or the ack logic accordingly and reopen the channel.',
    ],
    prevention: ['Handle channel close events.', 'Keep topology declarations consistent.'],
    remediationType: 'code_fix',
    confidence: 0.78,
  },
  {
    id: 'rabbitmq-connection-closed',
    title: 'RabbitMQ connection closed',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [/\bSocket closed abruptly\b/, /\bUnexpected close\b/, /\bCONNECTION_FORCED\b/],
    rootCause:
      'The broker (or something in between) closed the AMQP connection: broker restart/shutdown, memory or ' +
      'disk alarm, heartbeat timeout, or a non-AMQP/TLS endpoint on that port.',
    userImpact: 'Publishing and consuming stop until the client reconnects.',
    remediation: [
      'Check the broker logs for restarts, alarms or heartbeat timeouts.',
      'Reconnect with backoff and re-declare consumers.',
      'Verify the port/scheme (amqp vs amqps) if it fails during the handshake.',
    ],
    prevention: ['Use automatic connection recovery.', 'Alert on broker memory/disk alarms.'],
    remediationType: 'restart',
    confidence: 0.8,
  },
  {
    id: 'redis-readonly-replica',
    title: 'Write sent to a Redis replica',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [/\bREADONLY You can't write against a read only (?:replica|slave)\b/],
    rootCause:
      'The client writes to a node that is now a replica: after a failover the client kept its connection ' +
      'to the old primary, or it is configured with a replica endpoint.',
    userImpact: 'All writes fail while reads may still succeed.',
    remediation: [
      'Reconnect clients (restart) so they resolve the current primary.',
      'Point the configuration at the primary/cluster endpoint, not a node address.',
    ],
    prevention: [
      'Use Sentinel/cluster-aware clients or the provider’s primary endpoint.',
      'Reconnect on READONLY errors (ioredis reconnectOnError).',
    ],
    remediationType: 'restart',
    confidence: 0.92,
  },
  {
    id: 'redis-max-retries',
    title: 'Redis command gave up after retries',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [/\bMaxRetriesPerRequestError\b/, /\bReached the max retries per request limit\b/],
    rootCause:
      'ioredis could not reach Redis for the whole retry budget of a command: Redis is down, unreachable ' +
      'or overloaded.',
    userImpact: 'Operations depending on Redis fail until it is reachable.',
    remediation: [
      'Check Redis availability and latency, and the client’s connection errors.',
      'Restore Redis; the client reconnects by itself.',
    ],
    prevention: ['Alert on Redis availability.', 'Degrade gracefully when the cache is down.'],
    remediationType: 'external',
    confidence: 0.82,
  },
  {
    id: 'grpc-unavailable',
    title: 'gRPC service unavailable',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [/\b14 UNAVAILABLE\b/, /\bStatusCode\.UNAVAILABLE\b/, /\bcode = Unavailable desc\b/],
    rootCause:
      'The gRPC server is unreachable or shedding load: it is down or restarting, the address/port is ' +
      'wrong, or connections are being closed.',
    userImpact: 'Calls to that service fail.',
    remediation: [
      'Check the server is up and its address in configuration.',
      'Retry UNAVAILABLE with backoff (it is a retryable status).',
    ],
    prevention: ['Configure retry policies and health checking.', 'Alert on UNAVAILABLE rates.'],
    remediationType: 'retry',
    confidence: 0.8,
  },
  {
    id: 'upstream-502-bad-gateway',
    title: 'Upstream 502 Bad Gateway',
    category: 'dependency_failure',
    severity: 'high',
    patterns: httpStatus(502, 'Bad Gateway'),
    rootCause:
      'A proxy/load balancer got an invalid or no response from the service behind it: the backend ' +
      'crashed, restarted, or closed the connection.',
    userImpact: 'Requests through that upstream fail.',
    remediation: [
      'Check the backend’s health and restarts at that time.',
      'Retry idempotent requests with backoff.',
      'Check proxy vs backend keep-alive timeouts.',
    ],
    prevention: ['Health checks with graceful draining.', 'Alert on upstream 5xx rates.'],
    remediationType: 'external',
    confidence: 0.8,
  },
  {
    id: 'upstream-503-unavailable',
    title: 'Upstream 503 Service Unavailable',
    category: 'dependency_failure',
    severity: 'high',
    patterns: [...httpStatus(503, 'Service Unavailable'), /\b503 Service Temporarily Unavailable\b/i],
    rootCause:
      'The upstream is refusing requests: no healthy backends, overload/load shedding, or maintenance.',
    userImpact: 'Requests through that upstream fail.',
    remediation: [
      'Check the upstream status page/health and its capacity.',
      'Retry with backoff honouring Retry-After.',
    ],
    prevention: ['Circuit breaker and fallback for that dependency.', 'Alert on upstream availability.'],
    remediationType: 'external',
    confidence: 0.8,
  },
  {
    id: 'upstream-504-gateway-timeout',
    title: 'Upstream 504 Gateway Timeout',
    category: 'dependency_failure',
    severity: 'high',
    patterns: httpStatus(504, 'Gateway Time-?out'),
    rootCause:
      'A gateway/proxy timed out waiting for the service behind it: the backend is slow or stuck on this ' +
      'request, or the proxy timeout is shorter than the operation.',
    userImpact: 'Slow requests fail; the backend may still complete the work.',
    remediation: [
      'Check backend latency for that route.',
      'Move long work to a background job; retry idempotent calls.',
      'Align proxy timeouts with expected latency.',
    ],
    prevention: ['Set timeout budgets per hop.', 'Alert on upstream p99 latency.'],
    remediationType: 'external',
    confidence: 0.8,
  },
  {
    id: 'upstream-500-internal-error',
    title: 'Upstream 500 Internal Server Error',
    category: 'dependency_failure',
    severity: 'medium',
    patterns: httpStatus(500, 'Internal Server Error'),
    rootCause: 'The downstream service failed while handling the request (a bug or failure on its side).',
    userImpact: 'The feature depending on that call fails.',
    remediation: [
      'Log the response body and request id and check the upstream’s logs.',
      'Retry idempotent calls once; report persistent failures to the owner.',
    ],
    prevention: ['Circuit breaker and fallback.', 'Alert on upstream 5xx rates.'],
    remediationType: 'external',
    confidence: 0.7,
  },

  // Generic timeouts last: any specific rule above explains a timed-out line better.
  {
    id: 'timeout',
    title: 'Operation timed out',
    category: 'timeout',
    severity: 'medium',
    patterns: [
      /\bETIMEDOUT\b/,
      /\bTimeoutError\b/,
      /\btimed out\b/i,
      /\btimeout exceeded\b/i,
      /\bsocket\.timeout\b/,
    ],
    rootCause:
      'An operation exceeded its deadline: the dependency is slow or overloaded, or the timeout is shorter ' +
      'than the operation needs.',
    userImpact: 'The operation fails after waiting; users see slow errors.',
    remediation: [
      'Identify which call timed out and check its latency at that time.',
      'Retry idempotent operations with backoff.',
      'Adjust the timeout only for operations known to be slow.',
    ],
    prevention: ['Set explicit timeouts and circuit breakers.', 'Alert on dependency latency.'],
    remediationType: 'retry',
    confidence: 0.6,
  },
];
