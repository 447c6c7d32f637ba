import { format } from 'mysql2'

/** The slice of mysql2's `format` (sql-escaper) that takes the server's SQL mode. */
type FormatWithSqlMode = (
  sql: string,
  values: unknown,
  stringifyObjects: boolean,
  timezone: string | undefined,
  sqlMode: { readonly noBackslashEscapes: boolean },
) => string

const formatWithSqlMode = format as unknown as FormatWithSqlMode
const PORTABLE = Object.freeze({ noBackslashEscapes: true })

/**
 * Formats a query's `?` placeholders into SQL text the same way whatever the session's `sql_mode`.
 *
 * mysql2 binds values client-side with backslash escapes (`'` becomes `\'`), which a session running with
 * `NO_BACKSLASH_ESCAPES` reads differently: a quote ends the string early, so values break the statement or, worse,
 * change it (`x\' OR 1=1 -- ` becomes a condition). Here strings are quoted by doubling `'` and a backslash is
 * written as `\%` inside `REPLACE('...', '\%', LEFT('\%', 1))` (sql-escaper's portable form), which both modes read
 * as the same text with the same collation. Other values (numbers, dates, buffers as `X'..'`) contain no
 * backslash. Used as the pool's `queryFormat`; `this` is the connection.
 *
 * @internal
 */
export function formatQuery(
  this: { readonly config?: { readonly timezone?: string } } | undefined,
  sql: string,
  values: unknown,
  timezone?: string,
): string {
  if (values === undefined || (Array.isArray(values) && values.length === 0)) return sql
  return formatWithSqlMode(sql, values, false, timezone ?? this?.config?.timezone, PORTABLE)
}
