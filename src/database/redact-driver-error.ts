import { REDACTED, redactMessage, type SensitiveColumns } from '../plugin/logging/redaction.js'
import { scanSql } from '../plugin/logging/scan-sql.js'
import { formatQuery } from './format-query.js'

/** The fields of a mysql2 error that can carry bound values. */
interface DriverErrorFields {
  message?: unknown
  sqlMessage?: unknown
  sql?: unknown
  stack?: unknown
}

/**
 * What a failed statement's sensitive values are, by the logger's rules: the parameters bound next to a sensitive
 * column (all of them when the placeholders cannot be matched to the parameters: the safe side) and the inline
 * literals next to one.
 *
 * @internal
 */
export interface StatementSecrets {
  readonly secrets: readonly unknown[]
  /** The parameters with the sensitive ones replaced by `[REDACTED]`. */
  readonly parameters: readonly unknown[]
  /** The statement's text with sensitive inline literals replaced. */
  readonly sql: string
}

/** @internal */
export function findStatementSecrets(
  sql: string,
  parameters: readonly unknown[],
  columns: SensitiveColumns,
): StatementSecrets {
  const scan = scanSql(sql, (column) => columns.isSensitive(column))
  const positional = scan.placeholders.length === parameters.length
  const secrets: unknown[] = []
  const redactedParameters = parameters.map((parameter, index) => {
    if (positional && scan.placeholders[index] !== true) return parameter
    secrets.push(parameter)
    return REDACTED
  })
  let text = sql
  if (scan.literals.length > 0) {
    text = ''
    let from = 0
    for (const [start, end] of scan.literals) {
      secrets.push(sql.slice(start, end).replace(/^[^'"]*(['"])([\s\S]*)\1$/, '$2'))
      text += `${sql.slice(from, start)}'${REDACTED}'`
      from = end
    }
    text += sql.slice(from)
  }
  return { secrets, parameters: redactedParameters, sql: text }
}

/**
 * Scrubs a driver error of the failed statement's sensitive values, in place and before it is translated: mysql2
 * puts the statement with its values inlined in `sql`, and the server echoes values in its message (`Duplicate
 * entry '...'`, `Incorrect integer value: '...'`). `sql` becomes the statement with the sensitive values replaced
 * by `[REDACTED]`, and `message`, `sqlMessage` and `stack` lose every sensitive value. An error that is not an object is
 * left alone.
 *
 * @internal
 */
export function redactDriverError(error: unknown, statement: StatementSecrets): void {
  if (typeof error !== 'object' || error === null) return
  const fields = error as DriverErrorFields
  if (typeof fields.sql === 'string') {
    fields.sql =
      statement.secrets.length === 0
        ? fields.sql
        : formatQuery.call(undefined, statement.sql, [...statement.parameters])
  }
  if (statement.secrets.length === 0) return
  if (typeof fields.sqlMessage === 'string')
    fields.sqlMessage = redactMessage(fields.sqlMessage, statement.secrets)
  if (typeof fields.message === 'string') fields.message = redactMessage(fields.message, statement.secrets)
  // The stack's first line repeats the message (util.inspect and console.error print it).
  if (typeof fields.stack === 'string') fields.stack = redactMessage(fields.stack, statement.secrets)
}

/**
 * The secrets of a statement whose every value counts as sensitive, e.g. when the violated unique index turns out
 * to cover a sensitive column that the statement's text did not show.
 *
 * @internal
 */
export function allValuesSecret(
  sql: string,
  parameters: readonly unknown[],
  echoed: unknown,
): StatementSecrets {
  return { secrets: [echoed, ...parameters], parameters: parameters.map(() => REDACTED), sql }
}
