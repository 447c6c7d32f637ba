import type { Database } from './create-database.js'

/** Options of {@link closeOnSignals}. */
export interface CloseOnSignalsOptions {
  /** The signals that start a shutdown. Defaults to `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly NodeJS.Signals[]
  /** Runs first, e.g. to stop the HTTP server taking requests. Errors are reported, not thrown. */
  readonly beforeClose?: () => void | Promise<void>
  /** How long running queries may finish. Defaults to the database's `shutdown.timeoutMs`. */
  readonly timeoutMs?: number
  /** Whether to end the process (exit code 0, or 1 when closing failed) once closed. Defaults to `true`. */
  readonly exit?: boolean
  /** Where shutdown problems are reported. Defaults to `console.error`. */
  readonly onError?: (error: unknown) => void
}

/**
 * Closes the database gracefully when the process receives SIGTERM or SIGINT (as Kubernetes and `docker stop`
 * send), then exits. A second signal while closing exits at once. Returns a function that removes the handlers.
 *
 * @example
 * ```ts
 * import { closeOnSignals, createDatabase } from 'kysely-toolkit'
 *
 * const database = createDatabase<DB>({ url: process.env.DATABASE_URL! })
 * const server = app.listen(3000)
 * closeOnSignals(database, { beforeClose: () => new Promise((done) => server.close(() => done())) })
 * ```
 */
export function closeOnSignals(
  database: Pick<Database<unknown>, 'close'>,
  options: CloseOnSignalsOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const exit = options.exit ?? true
  const onError =
    options.onError ?? ((error: unknown) => console.error('kysely-toolkit: shutdown failed:', error))
  let closing = false
  const handler = (): void => {
    if (closing) {
      if (exit) process.exit(1)
      return
    }
    closing = true
    void (async () => {
      let failed = false
      try {
        await options.beforeClose?.()
      } catch (error) {
        failed = true
        onError(error)
      }
      try {
        await database.close(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
      } catch (error) {
        failed = true
        onError(error)
      }
      if (exit) process.exit(failed ? 1 : 0)
    })()
  }
  for (const signal of signals) process.on(signal, handler)
  return () => {
    for (const signal of signals) process.off(signal, handler)
  }
}
