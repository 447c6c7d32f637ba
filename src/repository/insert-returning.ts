import { type QueryExecutorProvider, sql } from 'kysely'

/**
 * Whether a server version string (`SELECT VERSION()`) is MariaDB 10.5 or later, which has `INSERT ... RETURNING`.
 * MySQL (8.0, 8.4, 9.x) has none.
 *
 * @example
 * ```ts
 * hasInsertReturning('10.11.19-MariaDB-0+deb12u1') // true
 * hasInsertReturning('5.5.5-10.6.12-MariaDB') // true (the replication-compatible prefix is skipped)
 * hasInsertReturning('10.4.32-MariaDB') // false
 * hasInsertReturning('8.4.3') // false
 * ```
 *
 * @internal
 */
export function hasInsertReturning(version: string): boolean {
  if (!/mariadb/i.test(version)) return false
  const match = /^(?:5\.5\.5-)?(\d+)\.(\d+)/.exec(version)
  if (match === null) return false
  const major = Number(match[1])
  const minor = Number(match[2])
  return major > 10 || (major === 10 && minor >= 5)
}

/**
 * What each database answered, keyed by its Kysely adapter: made once per `Kysely` instance and shared by its
 * transactions and `withPlugin` copies, so the version is asked once per database, not per transaction.
 */
const ANSWERS = new WeakMap<object, Promise<boolean>>()
/** The same answers once they have arrived, read without an await on every write after the first. */
const SETTLED = new WeakMap<object, boolean>()

/**
 * The remembered answer of {@link supportsInsertReturning} for `executor`'s database, or `undefined` while it has
 * not been asked (or is being asked).
 *
 * @example
 * ```ts
 * const returning = knownInsertReturning(db) ?? (await supportsInsertReturning(db))
 * ```
 *
 * @internal
 */
export function knownInsertReturning(executor: QueryExecutorProvider): boolean | undefined {
  return SETTLED.get(executor.getExecutor().adapter)
}

/**
 * Whether the server behind `executor` has `INSERT ... RETURNING` (MariaDB 10.5+), asked once per database with
 * `SELECT VERSION()` and remembered. A failed question is not remembered (the next call asks again).
 *
 * @internal
 */
export function supportsInsertReturning(executor: QueryExecutorProvider): Promise<boolean> {
  const key = executor.getExecutor().adapter
  let answer = ANSWERS.get(key)
  if (answer === undefined) {
    answer = sql<{ version: string }>`select version() as version`.execute(executor).then(
      (result) => {
        const supported = hasInsertReturning(String(result.rows[0]?.version ?? ''))
        SETTLED.set(key, supported)
        return supported
      },
      (error: unknown) => {
        ANSWERS.delete(key)
        throw error
      },
    )
    ANSWERS.set(key, answer)
  }
  return answer
}
