import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { InvalidFilterError } from '../error/invalid-filter-error.js'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { parseOptions } from '../util/parse-options.js'

/**
 * The operators a filter may use:
 * - `eq`, `ne`, `gt`, `gte`, `lt`, `lte`: comparisons with one value;
 * - `in`, `notIn`: a list of values (an array, repeated parameters, or a comma-separated string);
 * - `contains`, `startsWith`, `endsWith`: LIKE with the value's `%`, `_` and escape character escaped, so the
 *   value only ever matches itself;
 * - `isNull`: `true` or `false`.
 */
export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'endsWith',
  'isNull',
] as const

/** A value of {@link FILTER_OPERATORS}. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

/**
 * Whether `value` is one of {@link FILTER_OPERATORS}.
 *
 * @example
 * ```ts
 * import { isFilterOperator } from 'kysely-toolkit'
 *
 * isFilterOperator('gte') // true
 * isFilterOperator('regexp') // false
 * ```
 */
export function isFilterOperator(value: unknown): value is FilterOperator {
  return typeof value === 'string' && (FILTER_OPERATORS as readonly string[]).includes(value)
}

/** A single value a filter compares with, as the field's schema returned it. */
export type FilterScalar = string | number | bigint | boolean | Date

/** One condition of a parsed filter. */
export interface FilterCondition<C extends string = string> {
  /** The public field name the client used. */
  readonly field: string
  /** The column, always one from the whitelist. */
  readonly column: C
  readonly operator: FilterOperator
  /**
   * The validated value: one {@link FilterScalar} for comparisons and LIKE operators (the plain text, escaped only
   * when applied), a non-empty list for `in`/`notIn`, a boolean for `isNull`.
   */
  readonly value: FilterScalar | readonly FilterScalar[]
}

/** A parsed, whitelisted filter: conditions that all must hold. Frozen. */
export type Filter<C extends string = string> = readonly FilterCondition<C>[]

/** Options of {@link parseFilter} and {@link createFilterParser}. */
export interface FilterOptions<F extends string = string, C extends string = F> {
  /** The fields a client may filter by, each with the operators it accepts. */
  readonly allowed: { readonly [K in F]: readonly FilterOperator[] }
  /**
   * A zod schema per field that validates (and converts: query values are strings) one value, e.g.
   * `z.coerce.date()` for a date or `z.enum([...])` for a status. It runs on each element of an `in` list and on
   * the text of a LIKE operator. Its output must be a string, number, bigint, boolean or Date.
   */
  readonly schemas: { readonly [K in F]: z.ZodType }
  /** Public field names mapped to columns. Defaults to the field names themselves. */
  readonly columns?: { readonly [K in F]: C }
  /** The most values an `in`/`notIn` list may hold. Defaults to `100`. */
  readonly maxInValues?: number
  /** The most conditions a filter may hold. Defaults to `20`. */
  readonly maxConditions?: number
}

/** A filter parser made once from its options; see {@link createFilterParser}. */
export interface FilterParser<C extends string = string> {
  /** Every field that may be filtered, with the operators it accepts. */
  readonly allowed: Readonly<Record<string, readonly FilterOperator[]>>
  /** Parses untrusted input; throws {@link InvalidFilterError} for anything not whitelisted or not valid. */
  parse(input: unknown): Filter<C>
}

const FilterOptionsSchema = z.strictObject({
  allowed: z.record(z.string().min(1), z.array(z.enum(FILTER_OPERATORS)).min(1)),
  schemas: z.record(
    z.string().min(1),
    z.custom<z.ZodType>((value) => value instanceof z.ZodType, { error: 'must be a zod schema' }),
  ),
  columns: z.record(z.string().min(1), z.string().min(1)).optional(),
  maxInValues: z.number().int().min(1).max(10_000).default(100),
  maxConditions: z.number().int().min(1).max(1_000).default(20),
})

const PARSERS = new WeakMap<object, FilterParser>()

/** Every filter a parser made: an array of the same shape from input is not one of them. */
const PARSED = new WeakSet<object>()

/**
 * Whether `value` is a filter made by a filter parser (not merely an array of the same shape, which input could
 * forge).
 *
 * @internal
 */
export function isParsedFilter(value: unknown): value is Filter {
  return typeof value === 'object' && value !== null && PARSED.has(value)
}

/**
 * Parses a filter from untrusted input (an HTTP query, as `qs` or `URLSearchParams` give it) against a
 * whitelist of fields and operators, validating every value with the field's zod schema. Accepted shapes:
 * - `{ status: 'active' }` — `eq`; `{ status: ['active', 'inactive'] }` — `in`;
 * - `{ status: { in: 'active,inactive' }, createdAt: { gte: '2024-01-01' } }` — operators by name (`qs` makes
 *   this of `status[in]=...&createdAt[gte]=...`);
 * - `{ 'createdAt[gte]': '2024-01-01' }` — the same with flat keys (`Object.fromEntries(new URLSearchParams(...))`).
 *
 * Anything else — an unknown field or operator, an operator the field does not accept, a value the schema
 * rejects, an empty or too long `in` list, a nested object — is an {@link InvalidFilterError}. Apply the result
 * with {@link applyFilter} or {@link filterExpression}.
 *
 * @throws {InvalidFilterError} when the input is refused.
 * @throws {InvalidOptionsError} when the options themselves are invalid.
 *
 * @example
 * ```ts
 * import { applyFilter, parseFilter } from 'kysely-toolkit'
 * import { z } from 'zod'
 *
 * const USER_FILTER = {
 *   allowed: { status: ['eq', 'in'], createdAt: ['gte', 'lte'], email: ['contains'] },
 *   schemas: {
 *     status: z.enum(['active', 'inactive', 'suspended']),
 *     createdAt: z.coerce.date(),
 *     email: z.string().max(255),
 *   },
 *   columns: { status: 'status', createdAt: 'created_at', email: 'email' },
 * } as const
 *
 * const filter = parseFilter({ status: { in: 'active,inactive' }, email: { contains: '50%_off' } }, USER_FILTER)
 * const rows = await applyFilter(db.selectFrom('users').selectAll(), filter).execute()
 * // ... where `status` in (?, ?) and `email` like ? escape '!'   -- with '%50!%!_off%'
 * ```
 */
export function parseFilter<const F extends string, const C extends string = F>(
  input: unknown,
  options: FilterOptions<F, C>,
): Filter<C> {
  let parser = PARSERS.get(options)
  if (parser === undefined) {
    parser = createFilterParser(options)
    PARSERS.set(options, parser)
  }
  return parser.parse(input) as Filter<C>
}

/**
 * Resolves filter options once and returns a parser for untrusted input (see {@link parseFilter}).
 *
 * @throws {InvalidOptionsError} when the options are invalid (a field without a schema, an unknown operator...).
 *
 * @example
 * ```ts
 * import { createFilterParser } from 'kysely-toolkit'
 * import { z } from 'zod'
 *
 * const orderFilter = createFilterParser({
 *   allowed: { status: ['eq', 'in'] },
 *   schemas: { status: z.enum(['pending', 'completed', 'cancelled']) },
 * })
 * orderFilter.parse({ status: 'completed' }) // [{ field: 'status', column: 'status', operator: 'eq', value: 'completed' }]
 * ```
 */
export function createFilterParser<const F extends string, const C extends string = F>(
  options: FilterOptions<F, C>,
): FilterParser<C> {
  const resolved = parseOptions(FilterOptionsSchema, options, 'filter options')
  const problems: { path: string; message: string }[] = []
  const allowed: Record<string, readonly FilterOperator[]> = Object.create(null)
  const fields: Record<string, FieldSettings> = Object.create(null)
  for (const [field, operators] of Object.entries(resolved.allowed)) {
    const schema = Object.hasOwn(resolved.schemas, field) ? resolved.schemas[field] : undefined
    if (schema === undefined)
      problems.push({ path: `schemas.${field}`, message: `schemas.${field} is missing` })
    const column = resolved.columns === undefined ? field : resolved.columns[field]
    if (column === undefined)
      problems.push({ path: `columns.${field}`, message: `columns.${field} is missing` })
    allowed[field] = Object.freeze([...new Set(operators)])
    fields[field] = { column: column ?? field, operators: new Set(operators), schema: schema ?? z.never() }
  }
  if (problems.length > 0) {
    throw new InvalidOptionsError('filter options', problems)
  }
  Object.freeze(allowed)
  const settings: FilterSettings = {
    allowed,
    fields,
    maxInValues: resolved.maxInValues,
    maxConditions: resolved.maxConditions,
  }
  return Object.freeze({
    allowed,
    parse: (input: unknown) => parseInput(settings, input) as Filter<C>,
  })
}

/** Hooks of {@link filterExpression}. */
export interface FilterExpressionOptions {
  /** The reference of a column, e.g. qualified with a table alias. Defaults to `eb.ref(column)`. */
  readonly column?: (column: string) => Expression<unknown>
  /** What to bind for a value of a column (e.g. a `bigint` for a BIGINT read as a string). Defaults to the value. */
  readonly bind?: (column: string, value: FilterScalar) => unknown
}

/**
 * The SQL condition of a parsed filter (all conditions joined with AND; `true` for an empty filter), for use in
 * any `where`: selects, updates and deletes.
 *
 * @example
 * ```ts
 * import { filterExpression, parseFilter } from 'kysely-toolkit'
 *
 * const filter = parseFilter(request.query.filter, ORDER_FILTER)
 * await db.deleteFrom('orders').where((eb) => filterExpression(eb, filter)).execute()
 * ```
 */
export function filterExpression<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  filter: Filter,
  options: FilterExpressionOptions = {},
): Expression<SqlBool> {
  if (filter.length === 0) return sql<SqlBool>`true`
  return eb.and(filter.map((condition) => conditionExpression(eb, condition, options)))
}

/**
 * Adds a parsed filter to a select query as one `where`.
 *
 * @example
 * ```ts
 * import { applyFilter, parseFilter } from 'kysely-toolkit'
 *
 * const filter = parseFilter({ status: 'completed' }, ORDER_FILTER)
 * const orders = await applyFilter(db.selectFrom('orders').selectAll(), filter).execute()
 * ```
 */
export function applyFilter<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  filter: Filter,
): SelectQueryBuilder<DB, TB, O> {
  if (filter.length === 0) return query
  return query.where((eb) => filterExpression(eb, filter))
}

/** The escape character of every LIKE pattern the toolkit builds (`ESCAPE '!'`). */
export const LIKE_ESCAPE_CHARACTER = '!'

/**
 * Escapes text for use inside a LIKE pattern with `ESCAPE '!'`: `%`, `_` and `!` match only themselves. The
 * backslash needs no escaping with an explicit escape character, so the pattern behaves the same whether or not
 * the server runs with `NO_BACKSLASH_ESCAPES`.
 *
 * @example
 * ```ts
 * import { escapeLikePattern } from 'kysely-toolkit'
 *
 * const pattern = `%${escapeLikePattern('50%_off!')}%` // '%50!%!_off!!%'
 * await db.selectFrom('products').selectAll().where(sql<boolean>`name like ${pattern} escape '!'`).execute()
 * ```
 */
export function escapeLikePattern(text: string): string {
  return text.replace(/[!%_]/g, '!$&')
}

interface FieldSettings {
  readonly column: string
  readonly operators: ReadonlySet<string>
  readonly schema: z.ZodType
}

interface FilterSettings {
  readonly allowed: Readonly<Record<string, readonly FilterOperator[]>>
  readonly fields: Readonly<Record<string, FieldSettings>>
  readonly maxInValues: number
  readonly maxConditions: number
}

const FLAT_KEY = /^([^[\]]+)\[([^[\]]*)\]$/
const INDEX_KEY = /^(?:0|[1-9]\d{0,5})$/
const COMPARISONS = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const

function parseInput(settings: FilterSettings, input: unknown): Filter {
  const filter = collectConditions(settings, input)
  PARSED.add(filter)
  return filter
}

function collectConditions(settings: FilterSettings, input: unknown): Filter {
  if (input === undefined || input === null || input === '') return Object.freeze([])
  if (typeof input !== 'object' || Array.isArray(input) || !isPlainObject(input)) {
    throw fail(settings, `a filter must be an object of fields (got ${describeShape(input)})`)
  }
  const conditions: FilterCondition[] = []
  const seen = new Set<string>()
  const add = (field: string, operator: string, value: unknown): void => {
    if (conditions.length >= settings.maxConditions) {
      throw fail(settings, `at most ${settings.maxConditions} filter conditions may be given`)
    }
    const condition = parseCondition(settings, field, operator, value)
    const key = `${condition.field}\u0000${condition.operator}`
    if (seen.has(key)) {
      throw fail(settings, `${quote(field)} is filtered with ${operator} twice`, { field, operator })
    }
    seen.add(key)
    conditions.push(condition)
  }
  for (const [key, value] of Object.entries(input)) {
    const flat = FLAT_KEY.exec(key)
    if (flat !== null) {
      add(flat[1]!, flat[2]!, value)
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainObject(value)) {
      const entries = Object.entries(value)
      if (entries.length === 0) throw fail(settings, `${quote(key)} has no operator`, { field: key })
      if (entries.every(([operator]) => INDEX_KEY.test(operator))) {
        add(key, 'in', Object.values(value))
      } else {
        for (const [operator, operand] of entries) add(key, operator, operand)
      }
    } else {
      add(key, Array.isArray(value) ? 'in' : 'eq', value)
    }
  }
  return Object.freeze(conditions)
}

function parseCondition(
  settings: FilterSettings,
  field: string,
  operator: string,
  value: unknown,
): FilterCondition {
  if (!Object.hasOwn(settings.fields, field)) {
    throw fail(settings, `cannot filter by ${quote(field)}`, { field })
  }
  const spec = settings.fields[field]!
  if (!isFilterOperator(operator) || !spec.operators.has(operator)) {
    throw fail(settings, `${quote(field)} cannot be filtered with ${quote(operator)}`, { field, operator })
  }
  const where = { field, operator }
  let parsed: FilterScalar | readonly FilterScalar[]
  switch (operator) {
    case 'in':
    case 'notIn':
      parsed = parseList(settings, spec, where, value)
      break
    case 'isNull':
      parsed = parseBoolean(settings, where, value)
      break
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const text = parseScalar(settings, spec, where, value)
      if (typeof text !== 'string') {
        throw fail(settings, `${quote(field)} ${operator} needs text`, where)
      }
      parsed = text
      break
    }
    default:
      parsed = parseScalar(settings, spec, where, value)
  }
  return Object.freeze({ field, column: spec.column, operator, value: parsed })
}

interface Where {
  readonly field: string
  readonly operator: string
}

function parseList(
  settings: FilterSettings,
  spec: FieldSettings,
  where: Where,
  value: unknown,
): FilterScalar[] {
  let items: unknown[]
  if (typeof value === 'string') items = value.split(',')
  else if (Array.isArray(value)) items = value
  else if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    const keys = Object.keys(value)
    if (!keys.every((key) => INDEX_KEY.test(key))) {
      throw fail(settings, `${quote(where.field)} ${where.operator} needs a list of values`, where)
    }
    items = Object.values(value)
  } else items = [value]
  if (items.length === 0)
    throw fail(settings, `${quote(where.field)} ${where.operator} needs at least one value`, where)
  if (items.length > settings.maxInValues) {
    throw fail(
      settings,
      `${quote(where.field)} ${where.operator} takes at most ${settings.maxInValues} values (got ${items.length})`,
      where,
    )
  }
  const values: FilterScalar[] = []
  const seen = new Set<unknown>()
  for (const [index, item] of items.entries()) {
    const parsed = parseScalar(settings, spec, where, item, index)
    const key = parsed instanceof Date ? parsed.getTime() : parsed
    if (seen.has(key)) continue
    seen.add(key)
    values.push(parsed)
  }
  return values
}

function parseBoolean(settings: FilterSettings, where: Where, value: unknown): boolean {
  if (value === true || value === 'true' || value === '1') return true
  if (value === false || value === 'false' || value === '0') return false
  throw fail(
    settings,
    `${quote(where.field)} isNull must be true or false (got ${describeValue(value)})`,
    where,
  )
}

function parseScalar(
  settings: FilterSettings,
  spec: FieldSettings,
  where: Where,
  value: unknown,
  index?: number,
): FilterScalar {
  const at = index === undefined ? '' : ` (value ${index + 1})`
  if (!isInputScalar(value)) {
    throw fail(
      settings,
      `${quote(where.field)} ${where.operator}${at} needs a single value, not ${describeShape(value)}`,
      where,
    )
  }
  const result = spec.schema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => issue.message)
    throw fail(
      settings,
      `${quote(where.field)} ${where.operator}${at} ${problems.join(', ')} (got ${describeValue(value)})`,
      { ...where, problems },
      result.error,
    )
  }
  const output: unknown = result.data
  if (!isFilterScalar(output)) {
    throw fail(
      settings,
      `${quote(where.field)} ${where.operator}${at} is not a single value after validation`,
      where,
    )
  }
  return output
}

function conditionExpression<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  condition: FilterCondition,
  options: FilterExpressionOptions,
): Expression<SqlBool> {
  const column = options.column?.(condition.column) ?? eb.ref(condition.column as never)
  const bind = (value: FilterScalar): unknown =>
    options.bind === undefined ? value : options.bind(condition.column, value)
  const { value } = condition
  switch (condition.operator) {
    case 'in':
      return eb(column, 'in', (value as readonly FilterScalar[]).map(bind) as never)
    case 'notIn':
      return eb(column, 'not in', (value as readonly FilterScalar[]).map(bind) as never)
    case 'isNull':
      return eb(column, value === true ? 'is' : 'is not', null as never)
    case 'contains':
      return likeExpression(column, `%${escapeLikePattern(value as string)}%`)
    case 'startsWith':
      return likeExpression(column, `${escapeLikePattern(value as string)}%`)
    case 'endsWith':
      return likeExpression(column, `%${escapeLikePattern(value as string)}`)
    default:
      return eb(column, COMPARISONS[condition.operator], bind(value as FilterScalar) as never)
  }
}

function likeExpression(column: Expression<unknown>, pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${pattern} escape '!'`
}

function isInputScalar(value: unknown): value is string | number | boolean | bigint | Date {
  const type = typeof value
  return (
    type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint' || value instanceof Date
  )
}

function isFilterScalar(value: unknown): value is FilterScalar {
  if (value instanceof Date) return !Number.isNaN(value.getTime())
  if (typeof value === 'number') return Number.isFinite(value)
  return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint'
}

function fail(
  settings: FilterSettings,
  reason: string,
  where: { field?: string; operator?: string; problems?: readonly string[] } = {},
  cause?: unknown,
): InvalidFilterError {
  return new InvalidFilterError(
    {
      reason,
      allowed: settings.allowed,
      field: where.field?.slice(0, 100),
      operator: where.operator?.slice(0, 100),
      problems: where.problems,
    },
    cause === undefined ? {} : { cause },
  )
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describeShape(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid date' : value.toISOString()
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return describeShape(value)
}

function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value)
}
