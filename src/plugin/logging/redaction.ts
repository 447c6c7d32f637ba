import type { OperationNode, RootOperationNode } from 'kysely'
import { z } from 'zod'
import { parseOptions } from '../../util/parse-options.js'
import { scanSql } from './scan-sql.js'

/**
 * What a redacted value is replaced with, in parameters, SQL text and error messages.
 *
 * @example
 * ```ts
 * import { REDACTED } from 'kysely-toolkit'
 *
 * const hidden = event.parameters?.filter((value) => value === REDACTED).length
 * ```
 */
export const REDACTED = '[REDACTED]'

/**
 * The column-name patterns treated as sensitive when `redact.columns` is not given: passwords (`password`,
 * `password_hash`, `passwd`, `passphrase`), secrets, tokens, social security numbers (`ssn`, `user_ssn`,
 * `userSsn`), API and private keys, card numbers and CVVs.
 *
 * @example
 * ```ts
 * import { createQueryLogger, DEFAULT_SENSITIVE_COLUMNS } from 'kysely-toolkit'
 *
 * // Keep the defaults and add e-mail addresses.
 * const queryLogger = createQueryLogger({ redact: { columns: [...DEFAULT_SENSITIVE_COLUMNS, 'email'] } })
 * ```
 */
export const DEFAULT_SENSITIVE_COLUMNS: readonly RegExp[] = Object.freeze([
  /pass(?:word|wd|phrase)|^pwd$/i,
  /secret/i,
  /token/i,
  /(?:^|_)ssn(?:_|\d|$)/i,
  /[a-z0-9]Ssn(?![a-z])/,
  /api_?key/i,
  /private_?key/i,
  /card_?(?:number|no)|^cvv$|^cvc$/i,
])

/**
 * Which columns hold values that must never be logged.
 *
 * @example
 * ```ts
 * import { createQueryLogger, DEFAULT_SENSITIVE_COLUMNS, type RedactionOptions } from 'kysely-toolkit'
 *
 * const redact: RedactionOptions = {
 *   columns: [...DEFAULT_SENSITIVE_COLUMNS, 'date_of_birth', /^iban/i],
 *   // The encryption plugin's `tables` option fits as it is: every column named there is redacted.
 *   tables: { users: { ssn: true, email: { blindIndex: { column: 'email_index', bits: 16 } } } },
 *   isSensitive: (column, table) => table === 'audit_log' && column === 'payload',
 * }
 * const queryLogger = createQueryLogger({ redact })
 * ```
 */
export interface RedactionOptions {
  /**
   * Column names and patterns. A string matches a column of that name, ignoring case and underscores
   * (`'password_hash'` also matches `passwordHash`); a RegExp is tested against the column name as written.
   * Defaults to {@link DEFAULT_SENSITIVE_COLUMNS}; spread them in to extend rather than replace them.
   */
  readonly columns?: ReadonlyArray<string | RegExp> | undefined
  /**
   * Sensitive columns per table, shaped like the encryption plugin's `tables` option (`{ users: { ssn: true } }`),
   * so its configuration can be passed in as it is. A column named under any table is redacted wherever it appears:
   * table aliases and unqualified references make the table unreliable, and redacting too much is the safe side.
   * Defaults to none.
   */
  readonly tables?: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>> | undefined
  /**
   * Any other rule. `table` is the qualifier written in the query (which may be an alias), else the query's main
   * table, else `undefined`. Defaults to none.
   */
  readonly isSensitive?: ((column: string, table: string | undefined) => boolean) | undefined
}

/** @internal */
export const RedactionOptionsSchema = z.strictObject({
  columns: z
    .array(z.union([z.string().min(1), z.instanceof(RegExp)]), {
      error: 'must be an array of column names and RegExps',
    })
    .optional(),
  tables: z
    .record(z.string(), z.record(z.string(), z.unknown()).optional(), {
      error: 'must be an object of table name to an object of column names',
    })
    // Only the column names are kept (the values, e.g. blind-index settings, are not ours to freeze).
    .transform((tables) => Object.values(tables).flatMap((columns) => Object.keys(columns ?? {})))
    .optional(),
  isSensitive: z
    .custom<(column: string, table: string | undefined) => boolean>((value) => typeof value === 'function', {
      error: 'must be a function (column, table) => boolean',
    })
    .optional(),
})

const MAX_CACHED_NAMES = 10_000

/**
 * The resolved redaction rules, answering "is this column sensitive?" with a bounded cache.
 *
 * @internal
 */
export class SensitiveColumns {
  readonly #names: ReadonlySet<string>
  readonly #patterns: readonly RegExp[]
  readonly #predicate: ((column: string, table: string | undefined) => boolean) | undefined
  readonly #cache = new Map<string, boolean>()

  /** @param parsed - output of {@link RedactionOptionsSchema} (validated by the caller's options schema). */
  constructor(parsed: z.output<typeof RedactionOptionsSchema> = {}) {
    const names = new Set<string>()
    const patterns: RegExp[] = []
    for (const column of parsed.columns ?? DEFAULT_SENSITIVE_COLUMNS) {
      if (typeof column === 'string') names.add(normalize(column))
      else patterns.push(new RegExp(column.source, column.flags.replace(/[gy]/g, '')))
    }
    for (const column of parsed.tables ?? []) names.add(normalize(column))
    this.#names = names
    this.#patterns = patterns
    this.#predicate = parsed.isSensitive
  }

  /** Whether values of `column` (in `table`, when known) are redacted. */
  isSensitive(column: string, table?: string): boolean {
    const key = this.#predicate === undefined || table === undefined ? column : `${table}\u0000${column}`
    let answer = this.#cache.get(key)
    if (answer === undefined) {
      answer =
        this.#names.has(normalize(column)) ||
        this.#patterns.some((pattern) => pattern.test(column)) ||
        (this.#predicate?.(column, table) ?? false)
      if (this.#cache.size >= MAX_CACHED_NAMES) this.#cache.clear()
      this.#cache.set(key, answer)
    }
    return answer
  }
}

function normalize(column: string): string {
  return column.toLowerCase().replaceAll('_', '')
}

/** A query with its sensitive values replaced by {@link REDACTED}. @internal */
export interface RedactedQuery {
  /** The SQL with sensitive inline literals replaced. */
  readonly sql: string
  /** The parameters, sensitive ones replaced. */
  readonly parameters: readonly unknown[]
  /** Every sensitive value found (bound, inlined, or as literal text), to scrub from error messages. */
  readonly secrets: readonly unknown[]
}

/**
 * Redacts a compiled query two ways and takes the union:
 * - structurally, from the operation-node tree: values of insert columns, update `SET`s, `ON DUPLICATE KEY`
 *   updates and comparisons (`where`, `having`, `on`, including `in` lists, `between` and expressions wrapping
 *   the column) whose column is sensitive; bound values are matched to parameters by identity (an equal
 *   non-sensitive parameter is redacted too: the safe side), inlined ones (`sql.lit`) are replaced in the text;
 * - textually, with {@link scanSql}: `?` placeholders and inline literals next to a sensitive column, which also
 *   covers raw SQL (`sql\`...\``, `sql.raw`).
 *
 * @internal
 */
export function redactQuery(
  node: RootOperationNode,
  sql: string,
  parameters: readonly unknown[],
  columns: SensitiveColumns,
): RedactedQuery {
  const found = findSensitiveValues(node, columns)
  const scan = scanSql(sql, (column) => columns.isSensitive(column))
  const positional = scan.placeholders.length === parameters.length
  const secrets: unknown[] = [...found.bound, ...found.inlined]
  let redactedParameters: unknown[] | undefined
  for (let index = 0; index < parameters.length; index++) {
    const parameter = parameters[index]
    const sensitive =
      (positional && scan.placeholders[index] === true) ||
      found.bound.some((value) => Object.is(value, parameter))
    if (sensitive) {
      redactedParameters ??= [...parameters]
      redactedParameters[index] = REDACTED
      secrets.push(parameter)
    }
  }
  let redactedSql = sql
  if (scan.literals.length > 0) {
    let text = ''
    let from = 0
    for (const [start, end] of scan.literals) {
      secrets.push(unquote(sql.slice(start, end)))
      text += `${sql.slice(from, start)}'${REDACTED}'`
      from = end
    }
    redactedSql = text + sql.slice(from)
  }
  for (const value of found.inlined) redactedSql = replaceInlined(redactedSql, value)
  return { sql: redactedSql, parameters: redactedParameters ?? parameters, secrets }
}

/** The text inside a literal token (`'a''b'` → `a'b`, `_utf8mb4'x'` → `x`). */
function unquote(literal: string): string {
  const match = /^[^'"]*(['"])([\s\S]*)\1$/.exec(literal)
  if (!match) return literal
  const quote = match[1] as string
  return (match[2] as string).replaceAll(quote + quote, quote).replace(/\\(.)/g, '$1')
}

/** Replaces the literal that Kysely's MySQL compiler inlines for `value` (`sql.lit`, immediate values). */
function replaceInlined(sql: string, value: unknown): string {
  if (typeof value === 'string' || value instanceof Date) {
    const text = typeof value === 'string' ? value : Number.isNaN(value.getTime()) ? '' : value.toISOString()
    const literal = `'${text.replace(/[\\']/g, (char) => (char === '\\' ? '\\\\' : "''"))}'`
    return sql.replaceAll(literal, `'${REDACTED}'`)
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value).replace(/[.+]/g, '\\$&')
    return sql.replace(new RegExp(`(?<![\\w.$])${text}(?![\\w.])`, 'g'), `'${REDACTED}'`)
  }
  return sql
}

/**
 * The error-message fragments in which MySQL and MariaDB quote a value. The servers do not escape a quote inside the
 * value (`Duplicate entry 'it's' for key 'k'`), so the patterns that know what follows the value come first.
 */
const VALUE_ECHOES = [
  /(Duplicate entry )'[^\n]*'( for key '[^'\n]*'(?: at row \d+)?)$/gm,
  /(value: )'[^\n]*'( for column '[^'\n]*'(?: at row \d+)?)$/gim,
  /(Duplicate entry )'(?:[^'\\]|\\.|'')*'/g,
  /(Duplicate value )'(?:[^'\\]|\\.|'')*'/g,
  /(value: )'(?:[^'\\]|\\.|'')*'/gi,
]

/**
 * Scrubs an error message of the query's sensitive values: each value's text, and, when the query has any, the
 * value quoted in `Duplicate entry '...'` and `Incorrect ... value: '...'` (MySQL may cut or re-encode it there).
 *
 * @internal
 */
export function redactMessage(message: string, secrets: readonly unknown[]): string {
  if (secrets.length === 0) return message
  let redacted = message
  for (const pattern of VALUE_ECHOES) {
    redacted = redacted.replace(pattern, (_, before: string, after: string | undefined) => {
      return `${before}'${REDACTED}'${typeof after === 'string' ? after : ''}`
    })
  }
  for (const secret of secrets) {
    for (const text of textsOf(secret)) {
      if (text.length > 0) redacted = redacted.replaceAll(text, REDACTED)
    }
  }
  return redacted
}

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value === 'number' || typeof value === 'bigint') return [String(value)]
  if (value instanceof Uint8Array) {
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return [buffer.toString('utf8'), buffer.toString('hex'), buffer.toString('hex').toUpperCase()]
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) return [value.toISOString()]
  return []
}

/** Values found bound to sensitive columns in a tree. @internal */
export interface SensitiveValues {
  /** Values sent as parameters. */
  readonly bound: unknown[]
  /** Values Kysely inlines into the SQL text (`sql.lit`, immediate value nodes). */
  readonly inlined: unknown[]
}

interface AnyNode extends OperationNode {
  readonly [key: string]: unknown
}

/**
 * Walks an operation-node tree and collects the values bound to sensitive columns.
 *
 * @internal
 */
export function findSensitiveValues(node: RootOperationNode, columns: SensitiveColumns): SensitiveValues {
  const found: SensitiveValues = { bound: [], inlined: [] }
  visit(node as unknown as AnyNode, false, undefined)
  return found

  function visit(current: AnyNode, sensitive: boolean, table: string | undefined): void {
    switch (current.kind) {
      case 'ValueNode':
        if (sensitive) (current.immediate === true ? found.inlined : found.bound).push(current.value)
        return
      case 'PrimitiveValueListNode':
        if (sensitive) found.bound.push(...(current.values as unknown[]))
        return
      case 'InsertQueryNode': {
        const into = tableName(current.into as AnyNode | undefined)
        const flags = (current.columns as AnyNode[] | undefined)?.map((column) =>
          columns.isSensitive(columnName(column) ?? '', into),
        )
        visitChildren(current, sensitive, into, ['values'])
        const values = current.values as AnyNode | undefined
        if (values === undefined) return
        if (values.kind === 'ValuesNode' && flags !== undefined) {
          for (const row of values.values as AnyNode[]) visitRow(row, flags, sensitive, into)
        } else {
          // insert ... select: the select list lines up with the columns; mark it all when any is sensitive.
          visit(values, sensitive || (flags?.some(Boolean) ?? false), into)
        }
        return
      }
      case 'UpdateQueryNode':
      case 'DeleteQueryNode':
      case 'SelectQueryNode': {
        const main =
          current.kind === 'UpdateQueryNode'
            ? tableName(current.table as AnyNode | undefined)
            : tableName(((current.from as AnyNode | undefined)?.froms as AnyNode[] | undefined)?.[0])
        visitChildren(current, sensitive, main ?? table)
        return
      }
      case 'ColumnUpdateNode': {
        const column = current.column as AnyNode
        const name = columnName(column)
        const isSecret = name !== undefined && columns.isSensitive(name, qualifierOf(column) ?? table)
        visit(current.value as AnyNode, sensitive || isSecret, table)
        return
      }
      case 'BinaryOperationNode': {
        const left = current.leftOperand as AnyNode
        const right = current.rightOperand as AnyNode
        visit(left, sensitive || refersToSensitive(right, table), table)
        visit(right, sensitive || refersToSensitive(left, table), table)
        return
      }
      default:
        visitChildren(current, sensitive, table)
    }
  }

  function visitRow(
    row: AnyNode,
    flags: readonly boolean[],
    sensitive: boolean,
    table: string | undefined,
  ): void {
    if (row.kind === 'PrimitiveValueListNode') {
      const values = row.values as unknown[]
      for (let index = 0; index < values.length; index++) {
        if (sensitive || flags[index] === true) found.bound.push(values[index])
      }
    } else if (row.kind === 'ValueListNode') {
      const values = row.values as AnyNode[]
      for (let index = 0; index < values.length; index++) {
        visit(values[index] as AnyNode, sensitive || flags[index] === true, table)
      }
    } else {
      visit(row, sensitive || flags.some(Boolean), table)
    }
  }

  function visitChildren(
    current: AnyNode,
    sensitive: boolean,
    table: string | undefined,
    skip: readonly string[] = [],
  ): void {
    for (const key in current) {
      if (key === 'kind' || skip.includes(key)) continue
      const child = current[key]
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) visit(item, sensitive, table)
      } else if (isNode(child)) {
        visit(child, sensitive, table)
      }
    }
  }

  /** Whether an operand is, or wraps (a function call, a cast, a JSON path...), a sensitive column. */
  function refersToSensitive(operand: AnyNode, table: string | undefined): boolean {
    switch (operand.kind) {
      case 'ValueNode':
      case 'PrimitiveValueListNode':
      case 'ValueListNode':
        return false
      case 'ColumnNode':
        return columns.isSensitive(columnName(operand) ?? '', table)
      case 'ReferenceNode': {
        const name = columnName(operand)
        return name !== undefined && columns.isSensitive(name, qualifierOf(operand) ?? table)
      }
      case 'RawNode': {
        const fragments = operand.sqlFragments as string[]
        const only = fragments.length === 1 ? /^\s*`?([\p{L}\p{N}_$]+)`?\s*$/u.exec(fragments[0] ?? '') : null
        if (only?.[1] !== undefined && columns.isSensitive(only[1], table)) return true
        break
      }
      default:
        break
    }
    for (const key in operand) {
      if (key === 'kind') continue
      const child = operand[key]
      const children = Array.isArray(child) ? child : [child]
      for (const item of children) {
        if (isNode(item) && refersToSensitive(item, table)) return true
      }
    }
    return false
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
}

function columnName(node: AnyNode | undefined): string | undefined {
  if (node === undefined) return undefined
  if (node.kind === 'ColumnNode') return ((node.column as AnyNode).name as string | undefined) ?? undefined
  if (node.kind === 'ReferenceNode') return columnName(node.column as AnyNode)
  return undefined
}

function qualifierOf(node: AnyNode): string | undefined {
  return node.kind === 'ReferenceNode' ? tableName(node.table as AnyNode | undefined) : undefined
}

function tableName(node: AnyNode | undefined): string | undefined {
  if (node === undefined) return undefined
  if (node.kind === 'TableNode') {
    return ((node.table as AnyNode).identifier as AnyNode).name as string
  }
  if (node.kind === 'AliasNode') return tableName(node.node as AnyNode)
  return undefined
}

/**
 * Validates redaction options on their own (outside a logger's or metrics' options) and resolves them.
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 * @internal
 */
export function resolveSensitiveColumns(options: RedactionOptions = {}): SensitiveColumns {
  return new SensitiveColumns(parseOptions(RedactionOptionsSchema, options, 'redaction options'))
}
