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
