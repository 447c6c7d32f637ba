import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A private test server (`mariadbd` or `mysqld` started by `kysely-toolkit/testing`) could not be started:
 * the binary is missing or not runnable, the data directory could not be initialised, or the server exited or
 * did not accept connections in time. `logTail` holds the last lines the server wrote, also quoted in the
 * message.
 *
 * @example
 * ```ts
 * import { ServerStartFailedError, startPrivateServer } from 'kysely-toolkit/testing'
 *
 * try {
 *   await startPrivateServer({ binary: '/opt/nowhere/mariadbd' })
 * } catch (error) {
 *   if (ServerStartFailedError.is(error)) console.error(error.binary, error.logTail)
 * }
 * ```
 */
export class ServerStartFailedError extends ToolkitError {
  override readonly name = 'ServerStartFailedError' as const
  override readonly code = 'SERVER_START_FAILED' as const
  /** The server binary that was (or would have been) run. */
  readonly binary: string
  /** The last lines of the server's error log and standard error, or `''` when it wrote nothing. */
  readonly logTail: string

  constructor(binary: string, reason: string, options: { logTail?: string; cause?: unknown } = {}) {
    const logTail = options.logTail?.trimEnd() ?? ''
    super(
      'SERVER_START_FAILED',
      `Could not start a private test server from ${binary}: ${reason}` +
        (logTail === '' ? '' : `\nLast lines of its log:\n${logTail}`),
      { cause: options.cause },
    )
    this.binary = binary
    this.logTail = logTail
  }

  /** Whether `value` is a {@link ServerStartFailedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<ServerStartFailedError>('SERVER_START_FAILED')
}
