import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { checkUrl, type DatabaseOptions, redactUrl } from './database-options.js'

/** The environment variables {@link databaseOptionsFromEnv} reads. */
export type DatabaseEnv = Readonly<Record<string, string | undefined>>

/**
 * Reads connection options from environment variables: `DATABASE_URL`, or else `DB_HOST`, `DB_PORT`, `DB_USER`,
 * `DB_PASSWORD` and `DB_NAME` (`DB_SOCKET_PATH` for a Unix socket). The result is meant for
 * {@link createDatabase}, where it is validated; extra options can be spread over it.
 *
 * @throws {InvalidOptionsError} when `DATABASE_URL` is not a valid mysql:// URL, when neither it nor
 *   `DB_HOST`/`DB_SOCKET_PATH` is set, or when `DB_PORT` is not a number.
 *
 * @example
 * ```ts
 * import { createDatabase, databaseOptionsFromEnv } from 'kysely-toolkit'
 *
 * const database = createDatabase<DB>({ ...databaseOptionsFromEnv(process.env), pool: { max: 20 } })
 * ```
 */
export function databaseOptionsFromEnv(env: DatabaseEnv = process.env): DatabaseOptions {
  const url = env.DATABASE_URL?.trim()
  if (url) {
    // Checked here too, so that the message names the variable the user set.
    const problem = checkUrl(url)
    if (problem !== undefined) {
      throw new InvalidOptionsError('database environment', [
        { path: 'DATABASE_URL', message: `DATABASE_URL ${problem} (got ${JSON.stringify(redactUrl(url))})` },
      ])
    }
    return { url }
  }
  const host = env.DB_HOST?.trim()
  const socketPath = env.DB_SOCKET_PATH?.trim()
  if (!host && !socketPath) {
    throw new InvalidOptionsError('database environment', [
      {
        path: 'DATABASE_URL',
        message: 'DATABASE_URL or DB_HOST (or DB_SOCKET_PATH) must be set (got neither)',
      },
    ])
  }
  const options: { -readonly [K in keyof DatabaseOptions]: DatabaseOptions[K] } = {}
  if (host) options.host = host
  if (socketPath) options.socketPath = socketPath
  const port = env.DB_PORT?.trim()
  if (port) {
    const parsed = /^\d+$/.test(port) ? Number(port) : Number.NaN
    if (Number.isNaN(parsed)) {
      throw new InvalidOptionsError('database environment', [
        {
          path: 'DB_PORT',
          message: `DB_PORT must be a port number from 1 to 65535 (got ${JSON.stringify(port)})`,
        },
      ])
    }
    options.port = parsed
  }
  if (env.DB_USER) options.user = env.DB_USER
  if (env.DB_PASSWORD !== undefined) options.password = env.DB_PASSWORD
  if (env.DB_NAME) options.database = env.DB_NAME
  return options
}
