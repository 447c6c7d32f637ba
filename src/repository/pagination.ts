import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto'
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely'
import { InvalidCursorError } from '../error/invalid-cursor-error.js'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { InvalidPageError } from '../error/invalid-page-error.js'
import { BoundedCache } from '../util/bounded-cache.js'
import type { SortDirection } from './sort.js'

/** One page of an offset pagination (`page()`). */
export interface PageResult<T> {
  readonly items: T[]
  /** Rows matching the filter, on every page. */
  readonly total: number
  /** The page number, from 1. */
  readonly page: number
  readonly pageSize: number
  /** Pages in all (`0` when there are no rows). */
  readonly pageCount: number
}

/** One page of a keyset pagination (`paginate()`). */
export interface KeysetPage<T> {
  readonly items: T[]
  /** The cursor of the next page, to pass as `after`; `null` on the last page. */
  readonly nextCursor: string | null
}

/** A value a cursor holds: one per sort key, taken from the last row of a page. */
export type CursorValue = string | number | bigint | boolean | Date | null

/** Options of {@link createCursorCodec}. */
export interface CursorCodecOptions {
  /**
   * The HMAC-SHA256 key that signs cursors, at least 32 bytes (a string is taken as UTF-8). Give the same secret
   * to every instance of a service so their cursors are interchangeable. Defaults to 32 random bytes, so cursors
   * are valid only within this process.
   */
  readonly secret?: string | Uint8Array
  /** The longest cursor accepted, in characters. Defaults to `2048`. */
  readonly maxLength?: number
}

/** Signs and checks keyset cursors; see {@link createCursorCodec}. */
export interface CursorCodec {
  /** The cursor of `values` for `scope` (the table and sort it is valid for). */
  encode(scope: string, values: readonly CursorValue[]): string
  /**
   * The values of an untrusted cursor, checked: signed with this secret, made for `scope`, with `count` values.
   *
   * @throws {InvalidCursorError} with reason `malformed`, `forged` or `stale`.
   */
  decode(cursor: unknown, scope: string, count: number): CursorValue[]
}

const CURSOR_VERSION = 1
const BASE64URL = /^[A-Za-z0-9_-]+$/
const SIGNATURE_LENGTH = 43 // 32 bytes of HMAC-SHA256 in base64url

/**
 * Makes the codec of opaque keyset cursors: base64url JSON of a version, a digest of the scope (table and sort)
 * and the last row's sort values (dates and bigints tagged so they come back typed), followed by an
 * HMAC-SHA256 signature. A cursor that was altered or signed with another secret is `forged`; one made for
 * another sort or table is `stale`; anything else unreadable is `malformed` — each an {@link InvalidCursorError}
 * raised before any SQL is built.
 *
 * @throws {InvalidOptionsError} when the secret is shorter than 32 bytes.
 *
 * @example
 * ```ts
 * import { createCursorCodec } from 'kysely-toolkit'
 *
 * const cursors = createCursorCodec({ secret: process.env.CURSOR_SECRET })
 * const cursor = cursors.encode('users|created_at:desc,id:desc', [new Date(), 42])
 * cursors.decode(cursor, 'users|created_at:desc,id:desc', 2) // [Date, 42]
 * ```
 */
export function createCursorCodec(options: CursorCodecOptions = {}): CursorCodec {
  const secret =
    options.secret === undefined
      ? randomBytes(32)
      : typeof options.secret === 'string'
        ? Buffer.from(options.secret, 'utf8')
        : Buffer.from(options.secret)
  if (secret.length < 32) {
    throw new InvalidOptionsError('cursor options', [
      { path: 'secret', message: `secret must be at least 32 bytes (got ${secret.length})` },
    ])
  }
  const maxLength = options.maxLength ?? 2048
  // A KeyObject is set up once; a raw key would be imported again by every createHmac (~4x the cost of the HMAC).
  const key = createSecretKey(secret)
  const sign = (payload: string): Buffer => createHmac('sha256', key).update(payload).digest()
  /** Cursors whose signature was checked, with their scope digest and values: a repeated cursor skips the work. */
  const verified = new BoundedCache<string, VerifiedCursor>(VERIFIED_CURSORS)
  return Object.freeze({
    encode(scope: string, values: readonly CursorValue[]): string {
      const body = { v: CURSOR_VERSION, s: scopeDigest(scope), k: values.map(encodeValue) }
      const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url')
      return `${payload}.${sign(payload).toString('base64url')}`
    },
    decode(cursor: unknown, scope: string, count: number): CursorValue[] {
      if (typeof cursor !== 'string') throw malformed(`expected a string, got ${describeType(cursor)}`)
      let known = verified.get(cursor)
      if (known === undefined) {
        known = verify(cursor)
        verified.set(cursor, known)
      }
      if (known.scope !== scopeDigest(scope)) {
        throw new InvalidCursorError('stale', 'it was made for another sort order')
      }
      if (known.values.length !== count) throw malformed(`expected ${count} sort values`)
      // Fresh values for every caller: a Date is mutable.
      return known.values.map((value) => (value instanceof Date ? new Date(value.getTime()) : value))
    },
  })

  /** Checks a cursor's form and signature and reads its body; throws for anything else. */
  function verify(cursor: string): VerifiedCursor {
    if (cursor.length > maxLength) throw malformed(`longer than ${maxLength} characters`)
    const dot = cursor.indexOf('.')
    const payload = cursor.slice(0, dot)
    const signature = cursor.slice(dot + 1)
    if (dot <= 0 || !BASE64URL.test(payload) || !BASE64URL.test(signature)) {
      throw malformed('not a cursor made by this service')
    }
    // The signature is compared as bytes, in constant time.
    const given = Buffer.from(signature, 'base64url')
    const expected = sign(payload)
    if (
      signature.length !== SIGNATURE_LENGTH ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new InvalidCursorError('forged', 'its signature does not match')
    }
    let body: unknown
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch (error) {
      throw new InvalidCursorError('malformed', 'its content is not JSON', { cause: error })
    }
    if (typeof body !== 'object' || body === null) throw malformed('its content is not an object')
    const { v, s, k } = body as { v?: unknown; s?: unknown; k?: unknown }
    if (v !== CURSOR_VERSION) throw malformed(`version ${String(v)} is not supported`)
    if (typeof s !== 'string') throw new InvalidCursorError('stale', 'it was made for another sort order')
    if (!Array.isArray(k)) throw malformed('expected a list of sort values')
    return Object.freeze({ scope: s, values: Object.freeze(k.map(decodeValue)) })
  }
}

/** A cursor whose signature was checked: the digest of its scope and its values. */
interface VerifiedCursor {
  readonly scope: string
  readonly values: readonly CursorValue[]
}

/** Verified cursors kept per codec (a page's next cursor is usually asked for by the next request). */
const VERIFIED_CURSORS = 256

/**
 * One key of a keyset condition: the column, its sort direction, whether it may be NULL, and the value of the
 * last row seen (already typed for binding).
 */
export interface KeysetKey {
  readonly column: string
  readonly direction: SortDirection
  readonly nullable: boolean
  readonly value: unknown
  /** Wraps the bound value, e.g. to `CAST(? AS DECIMAL(12,2))`. Defaults to binding it as is. */
  readonly bind?: ((value: unknown) => unknown) | undefined
  /**
   * What is compared instead of the column, e.g. `status + 0` for an ENUM, which sorts by its members' positions
   * but compares with text alphabetically. Defaults to the column.
   */
  readonly expression?: Expression<unknown> | undefined
}

/**
 * The condition "comes after the row with these values" for a total sort order (the last keys being the
 * primary key), so consecutive pages neither skip nor repeat rows, whatever the number of equal values:
 * `(a > ?) or (a = ? and (b > ? or (b = ? and id > ?)))`, with a redundant `a >= ?` in front so the server can
 * range-scan an index on the first key. NULLs are placed as MySQL and MariaDB sort them: first in ascending
 * order, last in descending order.
 *
 * @example
 * ```ts
 * import { keysetExpression } from 'kysely-toolkit'
 *
 * const rows = await db
 *   .selectFrom('users')
 *   .selectAll()
 *   .where((eb) =>
 *     keysetExpression(eb, [
 *       { column: 'created_at', direction: 'desc', nullable: false, value: last.created_at },
 *       { column: 'id', direction: 'desc', nullable: false, value: last.id },
 *     ]),
 *   )
 *   .orderBy('created_at', 'desc')
 *   .orderBy('id', 'desc')
 *   .limit(20)
 *   .execute()
 * ```
 */
export function keysetExpression<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  keys: readonly KeysetKey[],
): Expression<SqlBool> {
  const after = afterExpression(eb, keys, 0)
  const first = keys[0]
  if (first === undefined || first.value === null) return after
  const column = first.expression ?? eb.ref(first.column as never)
  const bound = bindOf(first)
  // A redundant bound on the first key: lets the server range-scan an index on it.
  const range =
    first.direction === 'asc'
      ? eb(column, '>=', bound as never)
      : first.nullable
        ? eb.or([eb(column, '<=', bound as never), eb(column, 'is', null as never)])
        : eb(column, '<=', bound as never)
  return eb.and([range, after])
}

function afterExpression<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  keys: readonly KeysetKey[],
  index: number,
): Expression<SqlBool> {
  const key = keys[index]!
  const column = key.expression ?? eb.ref(key.column as never)
  const rest = index + 1 < keys.length ? afterExpression(eb, keys, index + 1) : undefined
  if (key.value === null) {
    // NULL sorts first ascending, last descending.
    const equal = rest === undefined ? undefined : eb.and([eb(column, 'is', null as never), rest])
    if (key.direction === 'asc') {
      return equal === undefined
        ? eb(column, 'is not', null as never)
        : eb.or([eb(column, 'is not', null as never), equal])
    }
    return equal ?? sql<SqlBool>`false`
  }
  const bound = bindOf(key)
  const branches: Expression<SqlBool>[] = [eb(column, key.direction === 'asc' ? '>' : '<', bound as never)]
  if (key.direction === 'desc' && key.nullable) branches.push(eb(column, 'is', null as never))
  if (rest !== undefined) branches.push(eb.and([eb(column, '=', bound as never), rest]))
  return branches.length === 1 ? branches[0]! : eb.or(branches)
}

function bindOf(key: KeysetKey): unknown {
  return key.bind === undefined ? key.value : key.bind(key.value)
}

/** What {@link parsePageRequest} returns: validated numbers and the row offset. */
export interface PageRequest {
  readonly page: number
  readonly pageSize: number
  readonly offset: number
}

/**
 * Validates a page number and size from untrusted input (numbers or digit strings).
 *
 * @throws {InvalidPageError} when either is not a whole number in range.
 *
 * @example
 * ```ts
 * import { parsePageRequest } from 'kysely-toolkit'
 *
 * parsePageRequest({ page: '3', pageSize: '20' }, { maxPageSize: 100, defaultPageSize: 20 })
 * // { page: 3, pageSize: 20, offset: 40 }
 * ```
 */
export function parsePageRequest(
  input: { readonly page?: unknown; readonly pageSize?: unknown },
  limits: { readonly maxPageSize: number; readonly defaultPageSize: number },
): PageRequest {
  const page = parseCount('page', input.page, 1, undefined)
  const pageSize = parseCount('pageSize', input.pageSize, limits.defaultPageSize, limits.maxPageSize)
  return Object.freeze({ page, pageSize, offset: (page - 1) * pageSize })
}

/**
 * Validates one count from untrusted input: `undefined` gives `fallback`; otherwise a whole number (or digit
 * string) from 1 (0 for `offset`) up to `max`.
 *
 * @throws {InvalidPageError} when it is not.
 *
 * @internal
 */
export function parseCount(field: string, value: unknown, fallback: number, max: number | undefined): number {
  if (value === undefined || value === null || value === '') return fallback
  const min = field === 'offset' ? 0 : 1
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,15}$/.test(value)
        ? Number(value)
        : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || (max !== undefined && number > max)) {
    throw new InvalidPageError(field, describeInput(value), max)
  }
  return number
}

function encodeValue(value: CursorValue): unknown {
  if (value instanceof Date) return ['d', value.getTime()]
  if (typeof value === 'bigint') return ['b', value.toString()]
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new TypeError('A cursor value must be finite')
  return value
}

function decodeValue(value: unknown): CursorValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (Array.isArray(value) && value.length === 2) {
    const [tag, inner] = value as [unknown, unknown]
    if (tag === 'd' && typeof inner === 'number' && Number.isFinite(inner)) {
      const date = new Date(inner)
      if (!Number.isNaN(date.getTime())) return date
    }
    if (tag === 'b' && typeof inner === 'string' && /^-?\d{1,40}$/.test(inner)) return BigInt(inner)
  }
  throw malformed('a sort value has an unexpected type')
}

/** Scope digests by scope: a handful per repository (one per sort order in use). */
const SCOPE_DIGESTS = new BoundedCache<string, string>(1_024)

function scopeDigest(scope: string): string {
  let digest = SCOPE_DIGESTS.get(scope)
  if (digest === undefined) {
    digest = createHash('sha256').update(scope).digest('base64url').slice(0, 16)
    SCOPE_DIGESTS.set(scope, digest)
  }
  return digest
}

function malformed(detail: string): InvalidCursorError {
  return new InvalidCursorError('malformed', detail)
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value
}

function describeInput(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return describeType(value)
}
