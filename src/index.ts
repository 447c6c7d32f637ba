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
export { DatabaseClosedError } from './error/database-closed-error.js'
export { DatabaseUnreachableError } from './error/database-unreachable-error.js'
export { InvalidOptionsError, type OptionsProblem } from './error/invalid-options-error.js'
export { PoolTimeoutError } from './error/pool-timeout-error.js'
export {
  TOOLKIT_ERROR_CODES,
  ToolkitError,
  type ToolkitErrorCode,
  type ToolkitErrorOptions,
} from './error/toolkit-error.js'
export { UnsafeParameterError } from './error/unsafe-parameter-error.js'
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
