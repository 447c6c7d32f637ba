import type { PoolOptions } from 'mysql2'
import type { ClientContext } from '../client.ts'

/**
 * The mysql2 pool settings of the raw-mysql2 and bare-Kysely clients: the ones kysely-toolkit's `createDatabase`
 * uses (utf8mb4, UTC, BIGINT as strings), so those three differ only in the layers above the pool.
 */
export function mysql2PoolOptions(context: ClientContext): PoolOptions {
  return {
    host: context.host,
    port: context.port,
    user: context.user,
    password: context.password,
    database: context.database,
    connectionLimit: context.poolSize,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    enableKeepAlive: true,
  }
}
