import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import type { DB } from '../../../example/generated/db.ts'
import type { BenchClient, ClientContext } from '../client.ts'
import * as queries from './kysely-queries.ts'
import { mysql2PoolOptions } from './pool-options.ts'

/** Bare Kysely: `MysqlDialect` on a plain mysql2 pool, no plugins. */
export function createKyselyClient(context: ClientContext): BenchClient {
  const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: createPool(mysql2PoolOptions(context)) }) })
  return {
    id: 'kysely',
    encryptsSsn: false,
    notes: [
      'MysqlDialect on a mysql2 pool (text protocol: mysql2 `query` with client-side parameter formatting)',
      'eager loading: two queries (users, then orders `where user_id in (...)`), grouped in JavaScript',
      'transfer: `db.transaction().execute(...)`',
    ],
    findUser: (id) => queries.findUser(db, id),
    listUsers: (offset) => queries.listUsers(db, offset),
    usersAfter: (cursor) => queries.usersAfter(db, cursor),
    insertUser: (user) => queries.insertUser(db, user),
    usersWithOrders: (firstId) => queries.usersWithOrders(db, firstId),
    transfer: (from, to, amount) =>
      db.transaction().execute((trx) => queries.transferIn(trx, from, to, amount)),
    close: () => db.destroy(),
  }
}
