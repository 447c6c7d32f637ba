import type { Kysely } from 'kysely'
import { createDatabase, type Database } from '../database/create-database.js'
import { databaseOptionsFromEnv } from '../database/database-options-from-env.js'
import type { CommandIo } from './command.js'

/**
 * Opens the database named by the environment (DATABASE_URL or DB_*), for a command. `connectTimeoutMs` bounds
 * opening a connection (a command that must answer within a time, such as `health`, passes its own).
 *
 * @internal
 */
export function connectFromEnv(
  io: CommandIo,
  settings: { readonly connectTimeoutMs?: number } = {},
): Database<unknown> & { readonly db: Kysely<unknown> } {
  return createDatabase<unknown>({ ...databaseOptionsFromEnv(io.env), ...settings, pool: { max: 2 } })
}
