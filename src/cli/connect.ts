import type { Kysely } from 'kysely'
import { createDatabase, type Database } from '../database/create-database.js'
import { databaseOptionsFromEnv } from '../database/database-options-from-env.js'
import type { CommandIo } from './command.js'

/**
 * Opens the database named by the environment (DATABASE_URL or DB_*), for a command.
 *
 * @internal
 */
export function connectFromEnv(io: CommandIo): Database<unknown> & { readonly db: Kysely<unknown> } {
  return createDatabase<unknown>({ ...databaseOptionsFromEnv(io.env), pool: { max: 2 } })
}
