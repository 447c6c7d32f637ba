import {
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
 * A Kysely on the MySQL query compiler whose driver sends nothing (Kysely's DummyDriver): for tests of SQL shape
 * and of plugins without a server.
 */
export function createCompileOnlyDb<T = DB>(
  options: { plugins?: readonly KyselyPlugin[]; compiler?: () => QueryCompiler } = {},
): Kysely<T> {
  return new Kysely<T>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new MysqlIntrospector(kysely),
      createQueryCompiler: options.compiler ?? (() => new MysqlQueryCompiler()),
    },
    plugins: [...(options.plugins ?? [])],
  })
}
