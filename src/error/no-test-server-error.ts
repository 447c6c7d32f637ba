import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * Why one test-server source gave no server.
 *
 * @example
 * ```ts
 * import type { TestServerAttempt } from 'kysely-toolkit/testing'
 *
 * const attempt: TestServerAttempt = { source: 'TEST_DATABASE_URL', reason: 'not set' }
 * ```
 */
export interface TestServerAttempt {
  /** The source, e.g. `TEST_DATABASE_URL`, `Docker`, `127.0.0.1:3306`, `private server`. */
  readonly source: string
  /** Why it gave no server, e.g. `not set`, `no Docker engine answers`. */
  readonly reason: string
}

/**
 * No MySQL-compatible server could be found for the tests. `attempts` lists every source tried and why it
 * gave nothing; the message says how to provide a server.
 *
 * @example
 * ```ts
 * import { NoTestServerError, findTestServer } from 'kysely-toolkit/testing'
 *
 * try {
 *   await findTestServer()
 * } catch (error) {
 *   if (NoTestServerError.is(error)) {
 *     for (const attempt of error.attempts) console.error(`${attempt.source}: ${attempt.reason}`)
 *   }
 * }
 * ```
 */
export class NoTestServerError extends ToolkitError {
  override readonly name = 'NoTestServerError' as const
  override readonly code = 'NO_TEST_SERVER' as const
  /** Every source tried, in order, with the reason it gave no server. */
  readonly attempts: readonly TestServerAttempt[]

  constructor(attempts: readonly TestServerAttempt[]) {
    super(
      'NO_TEST_SERVER',
      'No MySQL-compatible server for the tests. Tried: ' +
        attempts.map((attempt) => `${attempt.source} (${attempt.reason})`).join('; ') +
        '. Provide one of: TEST_DATABASE_URL=mysql://user:password@host:port/ (a user that may create ' +
        'databases); a running Docker engine (for a mysql:8.4 container, with the testcontainers and ' +
        '@testcontainers/mysql packages installed); a local server on 127.0.0.1:3306 accepting root with an ' +
        'empty password; or an installed server binary for a private throw-away server ' +
        '(e.g. `apt-get install mariadb-server`, `brew install mariadb`).',
    )
    this.attempts = Object.freeze([...attempts])
  }

  /** Whether `value` is a {@link NoTestServerError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<NoTestServerError>('NO_TEST_SERVER')
}
