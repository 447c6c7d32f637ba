export {
  CONFIG_FILE_NAMES,
  defineConfig,
  type EncryptionConfig,
  type ToolkitConfig,
} from './config/toolkit-config.js'
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
export {
  BIGINT_MODES,
  type BigintMode,
  createTypeCast,
  DATE_MODES,
  DATETIME_MODES,
  type DateMode,
  type DatetimeMode,
  JSON_MODES,
  type JsonMode,
  type ResolvedTypeCastOptions,
  TINYINT1_MODES,
  type Tinyint1Mode,
  TYPE_CAST_DEFAULTS,
  type TypeCastOptions,
} from './database/type-cast.js'
export { CommitOutcomeUnknownError } from './error/commit-outcome-unknown-error.js'
export { DataTooLongError } from './error/data-too-long-error.js'
export { DatabaseClosedError } from './error/database-closed-error.js'
export { DatabaseUnreachableError } from './error/database-unreachable-error.js'
export { DeadlockError } from './error/deadlock-error.js'
export {
  type ForeignKeyViolation,
  ForeignKeyViolationError,
  type ForeignKeyViolationKind,
} from './error/foreign-key-violation-error.js'
export {
  InvalidCursorError,
  type InvalidCursorReason,
} from './error/invalid-cursor-error.js'
export { type InvalidFilter, InvalidFilterError } from './error/invalid-filter-error.js'
export { InvalidOptionsError, type OptionsProblem } from './error/invalid-options-error.js'
export { InvalidPageError } from './error/invalid-page-error.js'
export { type InvalidSort, InvalidSortError } from './error/invalid-sort-error.js'
export { LockTimeoutError } from './error/lock-timeout-error.js'
export {
  isConnectionLostError,
  isMysqlServerError,
  MYSQL_ERRORS,
  type MysqlErrorContext,
  type MysqlServerError,
  mysqlErrnoOf,
  translateMysqlError,
} from './error/mysql-errors.js'
export { NotFoundError } from './error/not-found-error.js'
export { NotNullViolationError } from './error/not-null-violation-error.js'
export { PoolTimeoutError } from './error/pool-timeout-error.js'
export {
  TOOLKIT_ERROR_CODES,
  ToolkitError,
  type ToolkitErrorCode,
  type ToolkitErrorOptions,
} from './error/toolkit-error.js'
export { TransactionAbortedError } from './error/transaction-aborted-error.js'
export { TransactionRetriesExhaustedError } from './error/transaction-retries-exhausted-error.js'
export { TransactionTimeoutError } from './error/transaction-timeout-error.js'
export { type UniqueViolation, UniqueViolationError } from './error/unique-violation-error.js'
export { UnsafeParameterError } from './error/unsafe-parameter-error.js'
export { ValidationError, type ValidationIssue } from './error/validation-error.js'
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
export {
  QueryLogDialect,
  type QueryLogDialectOptions,
  type ResultLogEvent,
} from './plugin/query-log-dialect.js'
export {
  createQueryTracing,
  type QuerySpan,
  type QueryTracer,
  type QueryTracing,
  type QueryTracingOptions,
  type SpanAttributeValue,
} from './plugin/tracing/query-tracing.js'
export { isConnectionFailure } from './replication/connection-failure.js'
export { withConsistencyScope, withPrimary } from './replication/consistency-scope.js'
export {
  createReplicatedDatabase,
  type ReplicaHealthReport,
  type ReplicatedDatabase,
  type ReplicatedHealthReport,
  type ReplicatedPoolStats,
  type ServerPoolStats,
} from './replication/create-replicated-database.js'
export {
  REPLICA_STATES,
  type ReplicaProblem,
  type ReplicaState,
  type ReplicaStatus,
} from './replication/replica-monitor.js'
export {
  leastBusy,
  type ReplicaLoad,
  type ReplicaSelector,
  roundRobin,
} from './replication/replica-selector.js'
export {
  type ReplicatedDatabaseOptions,
  type ReplicationOptions,
  type ResolvedReplicatedDatabaseOptions,
  type ResolvedReplicationOptions,
  resolveReplicatedDatabaseOptions,
  type ServerOptions,
} from './replication/replicated-database-options.js'
export {
  RouteHintPlugin,
  type RouteHintPluginOptions,
  routeToPrimary,
  routeToReplica,
} from './replication/route-hint-plugin.js'
export {
  classifyStatement,
  decideRoute,
  ROUTE_REASONS,
  ROUTE_TARGETS,
  type RouteContext,
  type RouteReason,
  type RouteTarget,
  STATEMENT_KINDS,
  type StatementKind,
  startsReadYourWrites,
  targetOf,
} from './replication/routing.js'
export {
  applyFilter,
  createFilterParser,
  escapeLikePattern,
  FILTER_OPERATORS,
  type Filter,
  type FilterCondition,
  type FilterExpressionOptions,
  type FilterOperator,
  type FilterOptions,
  type FilterParser,
  type FilterScalar,
  filterExpression,
  isFilterOperator,
  LIKE_ESCAPE_CHARACTER,
  parseFilter,
} from './repository/filter.js'
export {
  type CursorCodec,
  type CursorCodecOptions,
  type CursorValue,
  createCursorCodec,
  type KeysetKey,
  type KeysetPage,
  keysetExpression,
  type PageRequest,
  type PageResult,
  parsePageRequest,
} from './repository/pagination.js'
export {
  type BelongsToKeys,
  belongsTo,
  type HasKeys,
  hasMany,
  hasOne,
  type ManyToManyKeys,
  manyToMany,
  RELATION_KINDS,
  type RelationDefinition,
  type RelationKind,
} from './repository/relations.js'
export { createRepository, type Repository } from './repository/repository.js'
export {
  type ColumnName,
  defineRepositorySchema,
  type HiddenColumns,
  type RelationMap,
  type RepositorySchema,
  type RepositorySchemaOptions,
  type TableName,
  type TableSchemas,
} from './repository/repository-schema.js'
export type {
  ColumnOf,
  CreateManyResult,
  CreateOptions,
  FilterableField,
  FindManyOptions,
  FindManyQuery,
  FindOneQuery,
  HiddenOf,
  IdOf,
  InsertOf,
  Loaded,
  PageOptions,
  PageQuery,
  PaginateOptions,
  PaginateQuery,
  Projection,
  ReadOptions,
  RelationLoad,
  RelationsOf,
  RepositoryOptions,
  RowOf,
  Simplify,
  UpdateOf,
  UpsertOptions,
  UpsertQuery,
  WhereOf,
  WithSpec,
} from './repository/repository-types.js'
export {
  applySort,
  createSortParser,
  isSortDirection,
  parseSort,
  SORT_DIRECTIONS,
  type Sort,
  type SortDirection,
  type SortInput,
  type SortItem,
  type SortObject,
  type SortOptions,
  type SortParser,
  sortSignature,
} from './repository/sort.js'
export type { Where, WhereObject } from './repository/where.js'
export {
  COLUMN_INSERT_MODES,
  COLUMN_JS_TYPES,
  type ColumnDefault,
  type ColumnInsertMode,
  type ColumnJsType,
  type ColumnMetadata,
  type ForeignKeyMetadata,
  type IndexMetadata,
  type SchemaMetadata,
  type TableMetadata,
  type UniqueKeyMetadata,
} from './schema/schema-metadata.js'
export { type Backoff, type FullJitterBackoffOptions, fullJitterBackoff } from './transaction/backoff.js'
export { RETRY_REASONS, type RetryReason, retryReasonOf } from './transaction/retry-reason.js'
export {
  ACCESS_MODES,
  ISOLATION_LEVELS,
  type ResolvedTransactionOptions,
  resolveTransactionOptions,
  type TransactionCallback,
  type TransactionContext,
  type TransactionHook,
  type TransactionHookKind,
  type TransactionOptions,
  type TransactionOutcome,
  type TransactionRetryEvent,
  type TransactionSettledEvent,
  transaction,
} from './transaction/transaction.js'
export {
  createTransactionCounters,
  type TransactionCounters,
  type TransactionCountsSnapshot,
} from './transaction/transaction-counters.js'
export { type UnitOfWork, withUnitOfWork } from './transaction/unit-of-work.js'
