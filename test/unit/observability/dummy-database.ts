import { CamelCasePlugin, type CompiledQuery, type Kysely, type LogEvent } from 'kysely'
import type { DB } from '../../../example/generated/db.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

/** A Kysely on the MySQL compiler that sends nothing: for SQL shape and canned log events. */
export function createDummyDb<T = DB>(options: { camelCase?: boolean } = {}): Kysely<T> {
  return createCompileOnlyDb<T>({ plugins: options.camelCase ? [new CamelCasePlugin()] : [] })
}

/** The log event Kysely would send for a compiled query that took `durationMs`. */
export function queryEvent(query: CompiledQuery, durationMs: number): LogEvent {
  return { level: 'query', isStream: false, query, queryDurationMillis: durationMs }
}

/** The log event Kysely would send for a compiled query that failed with `error`. */
export function errorEvent(query: CompiledQuery, error: unknown, durationMs = 1): LogEvent {
  return { level: 'error', error, query, queryDurationMillis: durationMs }
}
