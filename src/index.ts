export { type CloseOnSignalsOptions, closeOnSignals } from './database/close-on-signals.js'
export { type CloseOptions, createDatabase, type Database } from './database/create-database.js'
export {
  type ConnectionSettings,
  type DatabaseOptions,
  type PoolOptions,
  type ResolvedDatabaseOptions,
  redactUrl,
  resolveDatabaseOptions,
} from './database/database-options.js'
export { type DatabaseEnv, databaseOptionsFromEnv } from './database/database-options-from-env.js'
export type { PoolStats } from './database/guarded-pool.js'
export {
  HEALTH_STATUSES,
  type HealthOptions,
  type HealthReport,
  type HealthStatus,
} from './database/health.js'
export { DatabaseClosedError } from './error/database-closed-error.js'
export { InvalidOptionsError, type OptionsProblem } from './error/invalid-options-error.js'
export { PoolTimeoutError } from './error/pool-timeout-error.js'
export {
  TOOLKIT_ERROR_CODES,
  ToolkitError,
  type ToolkitErrorCode,
  type ToolkitErrorOptions,
} from './error/toolkit-error.js'
export { UnsafeParameterError } from './error/unsafe-parameter-error.js'
export { combineLogs, type LogFunction } from './plugin/combine-logs.js'
export {
  logConsoleStyle,
  logPinoStyle,
  type MessageFirstLogger,
  type ObjectFirstLogger,
  QUERY_LOG_LEVELS,
  type QueryLogLevel,
  type QueryLogWriter,
} from './plugin/logging/log-writers.js'
export type { QueryLogError, QueryLogEvent } from './plugin/logging/query-log-event.js'
export {
  createQueryLogger,
  type QueryLogger,
  type QueryLoggerOptions,
  type ResolvedQueryLoggerOptions,
} from './plugin/logging/query-logger.js'
export { QueryLoggerPlugin } from './plugin/logging/query-logger-plugin.js'
export { DEFAULT_SENSITIVE_COLUMNS, REDACTED, type RedactionOptions } from './plugin/logging/redaction.js'
export {
  formatPrometheus,
  METRIC_TYPES,
  type MetricFamily,
  type MetricSample,
  type MetricType,
  PROMETHEUS_CONTENT_TYPE,
} from './plugin/metrics/prometheus.js'
export {
  createQueryMetrics,
  DEFAULT_LATENCY_BUCKETS,
  type ErrorCount,
  type LatencySummary,
  NO_TABLE_LABEL,
  OTHER_LABEL,
  type PoolGauges,
  type QueryCount,
  type QueryMetrics,
  type QueryMetricsOptions,
  type QueryMetricsSnapshot,
  type RetryCount,
  type SlowQuery,
} from './plugin/metrics/query-metrics.js'
export { isQueryKind, QUERY_KINDS, type QueryKind } from './plugin/query-info/query-kind.js'
