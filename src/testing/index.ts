export {
  createTestDatabase,
  sweepAbandonedDatabases,
  type TestDatabase,
  type TestDatabaseOptions,
} from './test-database.js'
