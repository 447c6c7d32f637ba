import type { SelectQueryBuilder, StringReference } from 'kysely'
import { z } from 'zod'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { InvalidSortError } from '../error/invalid-sort-error.js'
import { BoundedCache } from '../util/bounded-cache.js'
import { parseOptions } from '../util/parse-options.js'

/** The only sort directions accepted from input. */
export const SORT_DIRECTIONS = ['asc', 'desc'] as const

/** A value of {@link SORT_DIRECTIONS}. */
export type SortDirection = (typeof SORT_DIRECTIONS)[number]

/**
 * Whether `value` is `'asc'` or `'desc'` (exactly; {@link parseSort} also accepts upper case).
 *
 * @example
 * ```ts
 * import { isSortDirection } from 'kysely-toolkit'
 *
 * isSortDirection('desc') // true
 * isSortDirection('desc; drop table users') // false
 * ```
 */
export function isSortDirection(value: unknown): value is SortDirection {
  return value === 'asc' || value === 'desc'
}

/** One key of a parsed sort: the public field name, the column it maps to, and the direction. */
export interface SortItem<C extends string = string> {
  /** The public name the client used (for the primary-key tie-breaker: the column). */
  readonly field: string
  /** The column, always one of the whitelisted columns or the primary key. */
  readonly column: C
  readonly direction: SortDirection
}

/**
 * A parsed, whitelisted sort: the client's keys, then the primary key columns not already in it, so the order
 * is total (no two rows compare equal) and pages never skip or repeat rows. Frozen.
 */
export type Sort<C extends string = string> = readonly SortItem<C>[]

/** A sort key given as an object, e.g. from `?sort[0][field]=createdAt&sort[0][direction]=desc`. */
export interface SortObject {
  readonly field: string
  /** `asc` or `desc`, any case. Defaults to `asc`. */
  readonly direction?: string
}

/**
 * What {@link parseSort} accepts (anything else is an {@link InvalidSortError}):
 * - a string of comma-separated keys, each `field`, `-field` (descending), `+field`, `field:asc` or `field:desc`,
 *   e.g. `-createdAt,email`;
 * - an array of such strings or of {@link SortObject}s (`?sort=-createdAt&sort=email`);
 * - one {@link SortObject};
 * - an object with integer keys (what `qs` makes of `sort[0]...sort[25]` past its array limit);
 * - `undefined`, `null`, `''` or `[]`: the default sort.
 */
export type SortInput = string | SortObject | readonly (string | SortObject)[] | null | undefined

/** Options of {@link parseSort} and {@link createSortParser}. */
export interface SortOptions<C extends string = string, K extends string = string> {
  /**
   * The fields a client may sort by: an array of column names (the public names are the columns), or an object
   * mapping public names to columns (`{ createdAt: 'created_at' }`). Only these ever reach SQL.
   */
  readonly allowed: readonly C[] | Readonly<Record<string, C>>
  /** The primary key column(s), appended as the tie-breaker when the client's keys do not already include them. */
  readonly primaryKey: K | readonly K[]
  /**
   * The sort used when the input is empty, in any accepted input form, checked against `allowed` when the parser
   * is created. Defaults to the primary key ascending.
   */
  readonly default?: SortInput
  /** The most keys a client may give (the tie-breaker is not counted). Defaults to `3`. */
  readonly maxKeys?: number
  /** The longest sort string accepted, in characters. Defaults to `256`. */
  readonly maxLength?: number
}

/** A sort parser made once from its options; see {@link createSortParser}. */
export interface SortParser<C extends string = string> {
  /** The public field names that may be sorted by. */
  readonly allowed: readonly string[]
  /** The sort used for empty input. */
  readonly default: Sort<C>
  /** Parses untrusted input; throws {@link InvalidSortError} for anything not whitelisted. */
  parse(input: unknown): Sort<C>
}

const SortOptionsSchema = z.strictObject({
  allowed: z.union([
    z.array(z.string().min(1)).min(1),
    z.record(z.string().min(1), z.string().min(1)).refine((map) => Object.keys(map).length > 0, {
      error: 'must name at least one field',
    }),
  ]),
  primaryKey: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  default: z.unknown().optional(),
  maxKeys: z.number().int().min(1).max(32).default(3),
  maxLength: z.number().int().min(16).max(100_000).default(256),
})

const PARSERS = new WeakMap<object, SortParser>()

/** Sort strings remembered per parser. */
const PARSED_STRINGS = 128

/** Every sort a parser made: an array of the same shape from input is not one of them. */
const PARSED = new WeakSet<object>()

/**
 * Whether `value` is a sort made by a sort parser (not merely an array of the same shape, which input could forge).
 *
 * @internal
 */
export function isParsedSort(value: unknown): value is Sort {
  return typeof value === 'object' && value !== null && PARSED.has(value)
}

/**
 * Parses a sort from untrusted input (an HTTP query) against a whitelist, and appends the primary key as the
 * tie-breaker (in the direction of the last key, so an index on the sort column can be read backwards).
 * Anything not whitelisted — an unknown field, a direction other than asc/desc, a field given twice, too many
 * keys, a value of the wrong shape — is an {@link InvalidSortError} listing the allowed fields. Apply the result
 * with {@link applySort} (one `orderBy` per key).
 *
 * The options are resolved once per options object (keep it in a constant) or use {@link createSortParser}.
 *
 * @throws {InvalidSortError} when the input is refused.
 * @throws {InvalidOptionsError} when the options themselves are invalid.
 *
 * @example
 * ```ts
 * import { applySort, parseSort } from 'kysely-toolkit'
 *
 * const USER_SORT = { allowed: { createdAt: 'created_at', email: 'email' }, primaryKey: 'id' } as const
 *
 * const sort = parseSort(request.query.sort, USER_SORT) // '-createdAt,email'
 * // [{ field: 'createdAt', column: 'created_at', direction: 'desc' },
 * //  { field: 'email', column: 'email', direction: 'asc' },
 * //  { field: 'id', column: 'id', direction: 'asc' }]
 * const rows = await applySort(db.selectFrom('users').selectAll(), sort).execute()
 * ```
 */
export function parseSort<const C extends string, const K extends string>(
  input: unknown,
  options: SortOptions<C, K>,
): Sort<C | K> {
  let parser = PARSERS.get(options)
  if (parser === undefined) {
    parser = createSortParser(options)
    PARSERS.set(options, parser)
  }
  return parser.parse(input) as Sort<C | K>
}

/**
 * Resolves sort options once and returns a parser for untrusted input (see {@link parseSort} for what it
 * accepts and refuses). The `default` sort is checked against the whitelist here.
 *
 * @throws {InvalidOptionsError} when the options are invalid or the default sort is not whitelisted.
 *
 * @example
 * ```ts
 * import { createSortParser } from 'kysely-toolkit'
 *
 * const userSort = createSortParser({
 *   allowed: { createdAt: 'created_at', email: 'email' },
 *   primaryKey: 'id',
 *   default: '-createdAt',
 * })
 * userSort.parse(undefined) // created_at desc, id desc
 * userSort.parse('email') // email asc, id asc
 * ```
 */
export function createSortParser<const C extends string, const K extends string>(
  options: SortOptions<C, K>,
): SortParser<C | K> {
  const resolved = parseOptions(SortOptionsSchema, options, 'sort options')
  const columns: Record<string, string> = Object.create(null)
  if (Array.isArray(resolved.allowed)) {
    for (const column of resolved.allowed) columns[column] = column
  } else {
    for (const [field, column] of Object.entries(resolved.allowed)) columns[field] = column
  }
  const primaryKey: readonly string[] = Array.isArray(resolved.primaryKey)
    ? resolved.primaryKey
    : [resolved.primaryKey as string]
  const allowed = Object.freeze(Object.keys(columns))
  const settings: ParserSettings = {
    columns,
    allowed,
    primaryKey,
    maxKeys: resolved.maxKeys,
    maxLength: resolved.maxLength,
  }
  let fallback: Sort
  if (resolved.default === undefined) {
    fallback = finish(settings, [])
  } else {
    try {
      const items = collectItems(settings, resolved.default)
      if (items.length === 0) throw fail(settings, 'the default sort is empty')
      fallback = finish(settings, items)
    } catch (error) {
      if (!InvalidSortError.is(error)) throw error
      throw new InvalidOptionsError(
        'sort options',
        [{ path: 'default', message: `default ${error.message}` }],
        {
          cause: error,
        },
      )
    }
  }
  // Sorts parsed from strings, by string: a service sees a handful of distinct sorts. Refused input is not kept.
  const parsed = new BoundedCache<string, Sort>(PARSED_STRINGS)
  const parseFresh = (input: unknown): Sort => {
    const items = collectItems(settings, input)
    return items.length === 0 ? fallback : finish(settings, items)
  }
  return Object.freeze({
    allowed,
    default: fallback as Sort<C | K>,
    parse(input: unknown): Sort<C | K> {
      if (input === undefined) return fallback as Sort<C | K>
      if (typeof input !== 'string') return parseFresh(input) as Sort<C | K>
      let sort = parsed.get(input)
      if (sort === undefined) {
        sort = parseFresh(input)
        parsed.set(input, sort)
      }
      return sort as Sort<C | K>
    },
  })
}

/**
 * Orders a select query by a parsed sort: one `.orderBy(column, direction)` per key, with columns that come only
 * from the whitelist (never `db.dynamic.ref` of input).
 *
 * @example
 * ```ts
 * import { applySort, parseSort } from 'kysely-toolkit'
 *
 * const sort = parseSort('-created_at', { allowed: ['created_at', 'email'], primaryKey: 'id' })
 * const query = applySort(db.selectFrom('users').select(['id', 'email']), sort)
 * // select `id`, `email` from `users` order by `created_at` desc, `id` desc
 * ```
 */
export function applySort<DB, TB extends keyof DB, O, C extends StringReference<DB, TB>>(
  query: SelectQueryBuilder<DB, TB, O>,
  sort: Sort<C>,
): SelectQueryBuilder<DB, TB, O> {
  let ordered = query
  for (const item of sort) ordered = ordered.orderBy(item.column, item.direction)
  return ordered
}

/**
 * A stable text form of a sort's columns and directions (`created_at:desc,id:desc`), used to tell whether a
 * keyset cursor was made for the same sort.
 *
 * @example
 * ```ts
 * import { parseSort, sortSignature } from 'kysely-toolkit'
 *
 * sortSignature(parseSort('-created_at', { allowed: ['created_at'], primaryKey: 'id' })) // 'created_at:desc,id:desc'
 * ```
 */
export function sortSignature(sort: Sort): string {
  return sort.map((item) => `${item.column}:${item.direction}`).join(',')
}

interface ParserSettings {
  readonly columns: Readonly<Record<string, string>>
  readonly allowed: readonly string[]
  readonly primaryKey: readonly string[]
  readonly maxKeys: number
  readonly maxLength: number
}

interface RawItem {
  readonly field: string
  readonly direction: SortDirection
}

/** Integer keys as `qs` writes array indexes: `0`, `1`, ... `25` (no sign, no leading zero). */
const INDEX_KEY = /^(?:0|[1-9]\d{0,5})$/

function collectItems(settings: ParserSettings, input: unknown): RawItem[] {
  const items: RawItem[] = []
  collectInto(settings, input, items, 0)
  if (items.length > settings.maxKeys) {
    throw fail(settings, `at most ${settings.maxKeys} sort keys may be given (got ${items.length})`)
  }
  return items
}

function collectInto(settings: ParserSettings, input: unknown, items: RawItem[], depth: number): void {
  if (input === undefined || input === null) {
    if (depth > 0) throw fail(settings, 'a sort key is empty')
    return
  }
  if (typeof input === 'string') {
    if (input.length > settings.maxLength) {
      throw fail(settings, `the sort is longer than ${settings.maxLength} characters`)
    }
    if (input.trim() === '') {
      if (depth > 0) throw fail(settings, 'a sort key is empty')
      return
    }
    for (const token of input.split(',')) {
      items.push(parseToken(settings, token))
      if (items.length > settings.maxKeys) {
        throw fail(settings, `at most ${settings.maxKeys} sort keys may be given`)
      }
    }
    return
  }
  if (typeof input !== 'object') throw fail(settings, `a sort key cannot be ${describeShape(input)}`)
  if (Array.isArray(input)) {
    if (depth > 0) throw fail(settings, 'a sort key cannot be a nested list')
    if (input.length > settings.maxKeys) {
      throw fail(settings, `at most ${settings.maxKeys} sort keys may be given (got ${input.length})`)
    }
    for (const element of input) collectInto(settings, element, items, depth + 1)
    return
  }
  if (!isPlainObject(input)) throw fail(settings, `a sort key cannot be ${describeShape(input)}`)
  const keys = Object.keys(input)
  if (keys.length > 0 && keys.every((key) => INDEX_KEY.test(key))) {
    // qs turns sort[0]..sort[n] into an object past its array limit: read it as the array it was.
    if (depth > 0 || keys.length > settings.maxKeys) {
      throw fail(settings, `at most ${settings.maxKeys} sort keys may be given (got ${keys.length})`)
    }
    const ordered = keys.map(Number).sort((a, b) => a - b)
    for (const index of ordered)
      collectInto(settings, (input as Record<string, unknown>)[index], items, depth + 1)
    return
  }
  items.push(parseObject(settings, input, keys))
}

function parseObject(settings: ParserSettings, input: object, keys: readonly string[]): RawItem {
  const unexpected = keys.filter((key) => key !== 'field' && key !== 'direction')
  if (unexpected.length > 0 || !keys.includes('field')) {
    throw fail(
      settings,
      `a sort key object must have a "field" and optionally a "direction" (got keys ${keys
        .slice(0, 5)
        .map(quote)
        .join(', ')})`,
    )
  }
  const { field, direction } = input as { field?: unknown; direction?: unknown }
  if (typeof field !== 'string') throw fail(settings, `a sort field cannot be ${describeShape(field)}`)
  if (direction !== undefined && typeof direction !== 'string') {
    throw fail(settings, `a sort direction cannot be ${describeShape(direction)}`, field)
  }
  return { field: field.trim(), direction: parseDirection(settings, field, direction ?? 'asc') }
}

function parseToken(settings: ParserSettings, raw: string): RawItem {
  const token = raw.trim()
  if (token === '') throw fail(settings, 'a sort key is empty')
  const first = token[0]
  if (first === '-' || first === '+') {
    return { field: token.slice(1), direction: first === '-' ? 'desc' : 'asc' }
  }
  const colon = token.lastIndexOf(':')
  if (colon > 0) {
    const field = token.slice(0, colon).trim()
    return { field, direction: parseDirection(settings, field, token.slice(colon + 1).trim()) }
  }
  return { field: token, direction: 'asc' }
}

function parseDirection(settings: ParserSettings, field: string, direction: string): SortDirection {
  const lower = direction.toLowerCase()
  if (isSortDirection(lower)) return lower
  throw fail(
    settings,
    `the direction of ${quote(field)} must be asc or desc (got ${quote(direction)})`,
    field,
  )
}

function finish(settings: ParserSettings, items: readonly RawItem[]): Sort {
  const sort: SortItem[] = []
  const seen = new Set<string>()
  for (const item of items) {
    if (!Object.hasOwn(settings.columns, item.field)) {
      throw fail(settings, `cannot sort by ${quote(item.field)}`, item.field)
    }
    const column = settings.columns[item.field]!
    if (seen.has(column)) throw fail(settings, `${quote(item.field)} is sorted by twice`, item.field)
    seen.add(column)
    sort.push(Object.freeze({ field: item.field, column, direction: item.direction }))
  }
  const last = sort.at(-1)?.direction ?? 'asc'
  for (const column of settings.primaryKey) {
    if (seen.has(column)) continue
    seen.add(column)
    sort.push(Object.freeze({ field: column, column, direction: last }))
  }
  Object.freeze(sort)
  PARSED.add(sort)
  return sort
}

function fail(settings: ParserSettings, reason: string, field?: string): InvalidSortError {
  return new InvalidSortError({
    reason,
    allowed: settings.allowed,
    field: field === undefined ? undefined : field.slice(0, 100),
  })
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describeShape(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a nested list'
  if (typeof value === 'object') return isPlainObject(value) ? 'a nested object' : 'an object'
  return `a ${typeof value}`
}

/** Quotes a piece of input for a message: JSON (so control characters show), cut to 100 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value)
}
