import type { LogEvent } from 'kysely'

/**
 * A Kysely `log` function (the function form of Kysely's `log` option).
 *
 * @example
 * ```ts
 * import type { LogFunction } from 'kysely-toolkit'
 *
 * const audit: LogFunction = (event) => {
 *   if (event.level === 'error') alerts.push(event.query.sql)
 * }
 * ```
 */
export type LogFunction = (event: LogEvent) => void | Promise<void>

/**
 * Combines several Kysely `log` functions into one, for Kysely's single `log` option: each gets every event, in
 * order. Synchronous functions keep the hook synchronous; when some return a promise, the combined hook waits for
 * all of them. When one throws, the others still run and the first error is rethrown (as Kysely would with that
 * function alone). `undefined` entries are skipped, so optional hooks can be listed as they are.
 *
 * @example
 * ```ts
 * import { combineLogs, createQueryLogger, createQueryMetrics, logConsoleStyle } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logConsoleStyle(console) })
 * const metrics = createQueryMetrics()
 * const db = new Kysely<DB>({
 *   dialect,
 *   log: combineLogs(queryLogger.log, metrics.log, (event) => myAuditTrail(event)),
 *   plugins: [queryLogger.plugin],
 * })
 * ```
 */
export function combineLogs(...logs: ReadonlyArray<LogFunction | undefined>): LogFunction {
  const functions = logs.filter((log): log is LogFunction => log !== undefined)
  for (const [index, log] of functions.entries()) {
    if (typeof log !== 'function') {
      throw new TypeError(`combineLogs: argument ${index + 1} must be a log function (got ${typeof log})`)
    }
  }
  const [only] = functions
  if (functions.length === 1 && only !== undefined) return only
  return (event: LogEvent): void | Promise<void> => {
    let promises: Promise<void>[] | undefined
    let failed = false
    let failure: unknown
    for (const log of functions) {
      try {
        const returned = log(event)
        if (returned !== undefined) {
          promises ??= []
          promises.push(returned)
        }
      } catch (error) {
        if (!failed) {
          failed = true
          failure = error
        }
      }
    }
    if (promises === undefined) {
      if (failed) throw failure
      return
    }
    return Promise.allSettled(promises).then((results) => {
      if (failed) throw failure
      for (const result of results) if (result.status === 'rejected') throw result.reason
    })
  }
}
