import { inject } from 'vitest'

/** The server the integration run talks to, read once by global setup (`SELECT VERSION()`). */
export interface TestServerInfo {
  /** `mysql` for Oracle MySQL, `mariadb` for MariaDB. */
  readonly flavor: 'mysql' | 'mariadb'
  /** The server's version, e.g. `9.7.4` or `11.8.9`. */
  readonly version: string
  /** The name scripts/run-tests.mjs gave it (`mysql-9.7`), else `<flavor>-<major.minor>`. */
  readonly name: string
}

/** The server of this run: use it to pick a server's variant of a fixture, or to name why a test is skipped. */
export const testServer: TestServerInfo = inject('testServer')

/** Oracle MySQL (as opposed to MariaDB). */
export const onMysql = testServer.flavor === 'mysql'

/**
 * What an integer expression (a literal such as `select 1`, a bound number, `SLEEP()`) reads as under the default
 * `types`: MySQL types it BIGINT, read as a decimal string; MariaDB types it INT, read as a number.
 */
export function integerExpression(value: number): number | string {
  return onMysql ? String(value) : value
}
