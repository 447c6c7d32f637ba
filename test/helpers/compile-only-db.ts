import {
  type Dialect,
  type Driver,
  DummyDriver,
  Kysely,
  type KyselyPlugin,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type QueryCompiler,
} from 'kysely'
import type { DB } from '../../example/generated/db.js'

/**
 * The MySQL dialect's adapter, introspector and query compiler with a driver that sends nothing (Kysely's
 * DummyDriver, or the one given), for tests that need the dialect itself (to wrap it, or to build several Kyselys).
 */
export function createCompileOnlyDialect(
  options: { driver?: () => Driver; compiler?: () => QueryCompiler } = {},
): Dialect {
  return {
    createAdapter: () => new MysqlAdapter(),
    createDriver: options.driver ?? (() => new DummyDriver()),
    createIntrospector: (kysely) => new MysqlIntrospector(kysely),
    createQueryCompiler: options.compiler ?? (() => new MysqlQueryCompiler()),
  }
}

/**
 * A Kysely on the MySQL query compiler whose driver sends nothing (Kysely's DummyDriver): for tests of SQL shape
 * and of plugins without a server.
 */
export function createCompileOnlyDb<T = DB>(
  options: { plugins?: readonly KyselyPlugin[]; compiler?: () => QueryCompiler } = {},
): Kysely<T> {
  return new Kysely<T>({
    dialect: createCompileOnlyDialect(options.compiler === undefined ? {} : { compiler: options.compiler }),
    plugins: [...(options.plugins ?? [])],
  })
}
