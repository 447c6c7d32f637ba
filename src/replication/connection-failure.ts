/** Node and mysql2 error codes of a connection that could not be opened or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
])

/**
 * Server error numbers that say the server is going away or refuses this client, rather than that the query was
 * wrong: 1040 too many connections, 1053 server shutdown in progress, 1129 host blocked, 1130 host not allowed,
 * 1152/1184 aborted connection, 1927 connection killed (MariaDB, sent to every client at shutdown), 2002/2003
 * cannot connect, 2006 server gone away, 2013 lost connection, 4031 disconnected for inactivity (MySQL 8.0.24+).
 */
const CONNECTION_ERRNOS = new Set([1040, 1053, 1129, 1130, 1152, 1184, 1927, 2002, 2003, 2006, 2013, 4031])

/**
 * Whether `error` means the connection to the server failed (could not be opened, was cut, or the server is
 * shutting down), as opposed to the statement failing (a SQL error, a constraint, a lock wait). A read that
 * fails like this on a replica is retried elsewhere and the replica is taken out of rotation.
 *
 * mysql2 marks errors that end a connection `fatal: true`; socket errors carry Node's `code`; errors the server
 * sends as it shuts down carry its `errno`.
 *
 * @example
 * ```ts
 * import { isConnectionFailure } from 'kysely-toolkit'
 *
 * isConnectionFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3307'), { code: 'ECONNREFUSED' })) // true
 * isConnectionFailure(Object.assign(new Error("Table 'shop.nope' doesn't exist"), { errno: 1146 })) // false
 * ```
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { fatal, code, errno } = error as { fatal?: unknown; code?: unknown; errno?: unknown }
  if (fatal === true) return true
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
  return typeof errno === 'number' && CONNECTION_ERRNOS.has(errno)
}
