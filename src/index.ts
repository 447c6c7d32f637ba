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
