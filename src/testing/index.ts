export { NoTestServerError, type TestServerAttempt } from '../error/no-test-server-error.js'
export { ReplicaSyncTimeoutError } from '../error/replica-sync-timeout-error.js'
export { ServerStartFailedError } from '../error/server-start-failed-error.js'
export { PrivateServer, type PrivateServerOptions, startPrivateServer } from './private-server.js'
export {
  ReplicatedServers,
  type ReplicatedServersOptions,
  startReplicatedServers,
} from './replication.js'
export { SERVER_FLAVORS, type ServerFlavor } from './server-binary.js'
export {
  type ContainerSourceOptions,
  createContainerSource,
  createLocalServerSource,
  createPrivateServerSource,
  createUrlSource,
  type FindTestServerOptions,
  findTestServer,
  type LocalServerSourceOptions,
  TEST_SERVER_KINDS,
  type TestServer,
  type TestServerKind,
  type TestServerSource,
  type TestServerUnavailable,
  type UrlSourceOptions,
} from './server-source.js'
export {
  createTestDatabase,
  sweepAbandonedDatabases,
  type TestDatabase,
  type TestDatabaseOptions,
} from './test-database.js'
