import {
  type Expression,
  type ExpressionBuilder,
  expressionBuilder,
  isOperationNodeSource,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely'
import { InvalidFilterError } from '../error/invalid-filter-error.js'
import type { ColumnMetadata, TableMetadata } from '../schema/schema-metadata.js'
import { type Filter, filterExpression, isParsedFilter } from './filter.js'

/**
 * Equality conditions on a table's columns, all of which must hold: `{ status: 'active', ssn: null }` is
 * `status = ? and ssn is null` (`undefined` values are left out). Values must be single values (a list or an object is refused at run time, so an
 * object smuggled in from a JSON body can never become an operator). For other operators pass a callback.
 */
export type WhereObject<Row> = { readonly [K in keyof Row]?: Row[K] | null | undefined }

/**
 * A condition on a table, in one of three forms:
 * - a {@link WhereObject} of equalities, `{ status: 'completed' }`;
 * - a parsed {@link Filter} from untrusted input (`parseFilter` or the repository's `parseFilter`);
 * - a Kysely callback for anything else, `(eb) => eb('created_at', '>=', since)`.
 */
export type Where<DB, TB extends keyof DB, Row> =
  | WhereObject<Row>
  | Filter
  | ((eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>)

/**
 * The expression builder every condition of the repositories is built with. Kysely makes a new one for each
 * callback it is given (a function with some thirty closures, which is most of the cost of a `where` callback),
 * though it holds no state: it is `expressionBuilder()`, on the no-op executor, each time. One shared builder gives
 * the same nodes.
 *
 * @internal
 */
export const SHARED_BUILDER: ExpressionBuilder<
  Record<string, Record<string, unknown>>,
  string
> = expressionBuilder()

/**
 * `query.where(callback)` with the callback given {@link SHARED_BUILDER}: the same condition, without a new
 * builder per call. What is not an expression goes to Kysely as it would have (which refuses it the same way).
 *
 * @internal
 */
export function whereWithSharedBuilder<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  callback: (eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>,
): SelectQueryBuilder<DB, TB, O> {
  return query.where(asCondition(callback(SHARED_BUILDER as unknown as ExpressionBuilder<DB, TB>)))
}

/**
 * What a callback returned, as an argument of `where`: the expression, or for anything else a callback returning
 * it, which Kysely refuses as it refuses such a callback.
 *
 * @internal
 */
export function asCondition(condition: Expression<SqlBool>): Expression<SqlBool> {
  return isOperationNodeSource(condition) ? condition : ((() => condition) as never)
}

/**
 * Turns a value into what is bound for a comparison with `column`: BIGINT values read as strings are bound as
 * `bigint` (a string compared with a BIGINT is compared as a double, which cannot tell 9007199254740993 from
 * 9007199254740992), DECIMAL values as `CAST(? AS DECIMAL(p, s))` (for the same reason).
 *
 * @internal
 */
export function bindComparable(column: ColumnMetadata | undefined, value: unknown): unknown {
  if (column === undefined || value === null || value === undefined) return value
  if (column.dataType === 'bigint' && (typeof value === 'string' || typeof value === 'number')) {
    const text = String(value)
    return /^-?\d{1,20}$/.test(text) ? BigInt(text) : value
  }
  if (column.dataType === 'decimal' && (typeof value === 'string' || typeof value === 'number')) {
    const precision = column.precision ?? 65
    const scale = column.scale ?? 30
    return sql`cast(${String(value)} as decimal(${sql.lit(precision)}, ${sql.lit(scale)}))`
  }
  return value
}

/**
 * The SQL condition of a {@link Where} on `table`; `undefined` for no condition.
 *
 * @throws {InvalidFilterError} for an unknown column, a value that is not a single value, or a parsed filter
 *   made for columns this table does not have.
 * @internal
 */
export function whereExpression<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  table: TableMetadata,
  where: unknown,
): Expression<SqlBool> | undefined {
  if (where === undefined || where === null) return undefined
  const ref = (column: string) => eb.ref(column as never)
  if (typeof where === 'function')
    return (where as (eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>)(eb)
  if (Array.isArray(where)) {
    if (!isParsedFilter(where)) {
      throw refusal(
        table,
        'a list is not a where condition: pass the result of parseFilter, an object or a callback',
      )
    }
    const filter = where
    if (filter.length === 0) return undefined
    for (const condition of filter) {
      if (!Object.hasOwn(table.columns, condition.column)) {
        throw refusal(
          table,
          `the filter names ${condition.column}, which ${table.name} does not have`,
          condition.field,
        )
      }
    }
    return filterExpression(eb, filter, {
      column: ref,
      bind: (column, value) => bindComparable(table.columns[column], value),
    })
  }
  if (typeof where !== 'object' || !isPlainObject(where)) {
    throw refusal(table, 'a where condition must be an object of columns, a parsed filter or a callback')
  }
  const conditions: Expression<SqlBool>[] = []
  for (const [column, value] of Object.entries(where)) {
    if (value === undefined) continue
    if (!Object.hasOwn(table.columns, column)) {
      throw refusal(table, `${table.name} has no column ${JSON.stringify(column.slice(0, 100))}`, column)
    }
    if (value === null) {
      conditions.push(eb(ref(column), 'is', null as never))
      continue
    }
    if (!isSingleValue(value)) {
      throw refusal(
        table,
        `${column} must be a single value, not ${Array.isArray(value) ? 'a list' : 'an object'} ` +
          '(use a callback for lists and operators)',
        column,
      )
    }
    conditions.push(eb(ref(column), '=', bindComparable(table.columns[column], value) as never))
  }
  if (conditions.length === 0) return undefined
  return conditions.length === 1 ? conditions[0] : eb.and(conditions)
}

/** Whether a where has no condition at all (`undefined`, `{}`, `[]` or only undefined values). @internal */
export function isEmptyWhere(where: unknown): boolean {
  if (where === undefined || where === null) return true
  if (typeof where === 'function') return false
  if (Array.isArray(where)) return where.length === 0
  if (typeof where === 'object') return Object.values(where).every((value) => value === undefined)
  return false
}

/** A value that is bound as one placeholder. @internal */
export function isSingleValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return true
    case 'object':
      return value === null || value instanceof Date || ArrayBuffer.isView(value)
    default:
      return false
  }
}

function refusal(table: TableMetadata, reason: string, field?: string): InvalidFilterError {
  const allowed: Record<string, readonly string[]> = {}
  for (const column of Object.keys(table.columns)) allowed[column] = ['eq']
  return new InvalidFilterError({ reason, allowed, field: field?.slice(0, 100) })
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
