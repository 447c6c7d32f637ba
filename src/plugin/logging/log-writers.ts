import type { QueryLogEvent } from './query-log-event.js'

/**
 * The levels a query event is written at.
 *
 * @example
 * ```ts
 * import { QUERY_LOG_LEVELS } from 'kysely-toolkit'
 *
 * QUERY_LOG_LEVELS // ['debug', 'warn', 'error']
 * ```
 */
export const QUERY_LOG_LEVELS = ['debug', 'warn', 'error'] as const

/**
 * A level from {@link QUERY_LOG_LEVELS}: `debug` for a normal query, `warn` for a slow one, `error` for a
 * failed one.
 *
 * @example
 * ```ts
 * import type { QueryLogLevel } from 'kysely-toolkit'
 *
 * const alerting: QueryLogLevel[] = ['warn', 'error']
 * ```
 */
export type QueryLogLevel = (typeof QUERY_LOG_LEVELS)[number]

/**
 * Where query events go: a function of level, event and message. An optional `isLevelEnabled` lets the query
 * logger skip building events that would be dropped (the adapters below forward the logger's own check).
 *
 * @example
 * ```ts
 * import { createQueryLogger, type QueryLogWriter } from 'kysely-toolkit'
 *
 * const lines: string[] = []
 * const writer: QueryLogWriter = (level, event, message) => {
 *   lines.push(JSON.stringify({ level, message, ...event }))
 * }
 * const queryLogger = createQueryLogger({ logger: writer })
 * ```
 */
export type QueryLogWriter = ((level: QueryLogLevel, event: QueryLogEvent, message: string) => void) & {
  readonly isLevelEnabled?: ((level: QueryLogLevel) => boolean) | undefined
}

/**
 * A logger whose methods take the fields first and the message second: pino, bunyan, and most structured
 * loggers. pino's `Logger` fits as it is.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import type { ObjectFirstLogger } from 'kysely-toolkit'
 *
 * const logger: ObjectFirstLogger = pino().child({ component: 'db' })
 * ```
 */
export interface ObjectFirstLogger {
  debug(event: QueryLogEvent, message: string): void
  warn(event: QueryLogEvent, message: string): void
  error(event: QueryLogEvent, message: string): void
  /** pino's level check; when present, events of disabled levels are not built. */
  isLevelEnabled?(level: string): boolean
}

/**
 * A logger whose methods take the message first and the fields second: `console`, winston, log4js, and loggers
 * modelled on `console`.
 *
 * @example
 * ```ts
 * import type { MessageFirstLogger } from 'kysely-toolkit'
 *
 * const logger: MessageFirstLogger = console
 * ```
 */
export interface MessageFirstLogger {
  debug(message: string, event: QueryLogEvent): void
  warn(message: string, event: QueryLogEvent): void
  error(message: string, event: QueryLogEvent): void
  /** winston's level check; when present, events of disabled levels are not built. */
  isLevelEnabled?(level: string): boolean
}

/**
 * Writes query events to a pino-style logger: `logger.debug(event, message)`, `logger.warn(...)`,
 * `logger.error(...)`. Uses the logger's `isLevelEnabled` when it has one, so with pino at `info` debug events
 * cost nothing to build.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createQueryLogger, logPinoStyle } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logPinoStyle(pino({ level: 'debug' })) })
 * ```
 */
export function logPinoStyle(logger: ObjectFirstLogger): QueryLogWriter {
  const writer = (level: QueryLogLevel, event: QueryLogEvent, message: string): void => {
    logger[level](event, message)
  }
  return withLevelCheck(writer, logger)
}

/**
 * Writes query events to a console-style logger: `logger.debug(message, event)`, `logger.warn(...)`,
 * `logger.error(...)`. Fits `console`, winston and log4js.
 *
 * @example
 * ```ts
 * import { createQueryLogger, logConsoleStyle } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logConsoleStyle(console), slowQueryMs: 200 })
 * ```
 */
export function logConsoleStyle(logger: MessageFirstLogger): QueryLogWriter {
  const writer = (level: QueryLogLevel, event: QueryLogEvent, message: string): void => {
    logger[level](message, event)
  }
  return withLevelCheck(writer, logger)
}

function withLevelCheck(
  writer: (level: QueryLogLevel, event: QueryLogEvent, message: string) => void,
  logger: { isLevelEnabled?(level: string): boolean },
): QueryLogWriter {
  if (typeof logger.isLevelEnabled !== 'function') return writer
  return Object.assign(writer, {
    isLevelEnabled: (level: QueryLogLevel) => logger.isLevelEnabled?.(level) ?? true,
  })
}
