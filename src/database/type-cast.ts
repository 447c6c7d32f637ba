import type { TypeCast } from 'mysql2'
import { z } from 'zod'

/** How BIGINT columns are read: as decimal strings, or as JavaScript `bigint`. */
export const BIGINT_MODES = ['string', 'bigint'] as const
/** A value of {@link BIGINT_MODES}. */
export type BigintMode = (typeof BIGINT_MODES)[number]

/** How TINYINT(1) columns are read: as the stored number, or as `boolean` (zero is `false`). */
export const TINYINT1_MODES = ['number', 'boolean'] as const
/** A value of {@link TINYINT1_MODES}. */
export type Tinyint1Mode = (typeof TINYINT1_MODES)[number]

/** How DATE columns are read: as `'YYYY-MM-DD'` strings, or as `Date` at midnight in the connection's time zone. */
export const DATE_MODES = ['string', 'date'] as const
/** A value of {@link DATE_MODES}. */
export type DateMode = (typeof DATE_MODES)[number]

/**
 * How DATETIME and TIMESTAMP columns are read. `'date'`: as `Date` when the column keeps at most milliseconds
 * (fractional precision 0 to 3) and as `'YYYY-MM-DD HH:MM:SS.ffffff'` strings when it keeps more (a `Date` cannot
 * hold microseconds). `'string'`: always as strings.
 */
export const DATETIME_MODES = ['date', 'string'] as const
/** A value of {@link DATETIME_MODES}. */
export type DatetimeMode = (typeof DATETIME_MODES)[number]

/** How JSON columns are read: as the JSON text, or parsed with `JSON.parse`. */
export const JSON_MODES = ['string', 'parsed'] as const
/** A value of {@link JSON_MODES}. */
export type JsonMode = (typeof JSON_MODES)[number]

/**
 * How column values are turned into JavaScript values. Codegen reads the same options so that the generated types
 * say exactly what the driver returns: give both the same `types` (the generated `metadata.ts` exports the ones it
 * was generated with as `TYPES`).
 *
 * DECIMAL is always a string (no binary float can hold it), TIME always a string (it spans -838:59:59 to
 * 838:59:59), binary strings, BIT and spatial values always `Buffer` (spatial values in the server's internal
 * format: a 4-byte SRID then WKB, which inserts back unchanged), VECTOR(n) (MySQL 9, MariaDB 11.7+) a `Buffer` of n
 * little-endian single-precision floats on both servers (it inserts back unchanged), SET a comma-separated string.
 */
export interface TypeCastOptions {
  /**
   * BIGINT (signed and UNSIGNED): `'string'` or `'bigint'`. A JavaScript number cannot hold every BIGINT
   * (9007199254740993 would read as 9007199254740992), so numbers are not offered. Defaults to `'string'`.
   */
  readonly bigint?: BigintMode
  /**
   * TINYINT(1) (MySQL's BOOLEAN): `'number'` keeps the stored value (a TINYINT(1) can hold -128 to 127);
   * `'boolean'` reads zero as `false` and anything else as `true`. Defaults to `'number'`.
   */
  readonly tinyint1?: Tinyint1Mode
  /** DATE: `'string'` (`'2024-02-29'`, no time zone involved) or `'date'`. Defaults to `'string'`. */
  readonly date?: DateMode
  /** DATETIME and TIMESTAMP: see {@link DATETIME_MODES}. Defaults to `'date'`. */
  readonly datetime?: DatetimeMode
  /**
   * JSON (MySQL's JSON type; MariaDB's JSON alias of LONGTEXT, recognised by the server's column metadata):
   * `'string'` returns the stored text on both servers, so no number inside changes; `'parsed'` returns
   * `JSON.parse` of it (integers beyond 2^53 lose precision). Either way a JSON value is inserted as a string.
   * Defaults to `'string'`.
   */
  readonly json?: JsonMode
}

/** {@link TypeCastOptions} with every default filled in. */
export type ResolvedTypeCastOptions = Required<{ readonly [K in keyof TypeCastOptions]: TypeCastOptions[K] }>

/** The defaults of {@link TypeCastOptions}. */
export const TYPE_CAST_DEFAULTS: ResolvedTypeCastOptions = Object.freeze({
  bigint: 'string',
  tinyint1: 'number',
  date: 'string',
  datetime: 'date',
  json: 'string',
})

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.map((value) => `'${value}'`).join(', ')}` })

/**
 * The zod schema of {@link TypeCastOptions}, with the defaults applied.
 *
 * @internal
 */
export const TypeCastOptionsSchema = z.strictObject({
  bigint: oneOf(BIGINT_MODES).default(TYPE_CAST_DEFAULTS.bigint),
  tinyint1: oneOf(TINYINT1_MODES).default(TYPE_CAST_DEFAULTS.tinyint1),
  date: oneOf(DATE_MODES).default(TYPE_CAST_DEFAULTS.date),
  datetime: oneOf(DATETIME_MODES).default(TYPE_CAST_DEFAULTS.datetime),
  json: oneOf(JSON_MODES).default(TYPE_CAST_DEFAULTS.json),
})

/** The slice of mysql2's typeCast field this module reads. */
interface CastField {
  readonly type: string
  readonly length: number
  readonly extendedFormat?: string | undefined
  string(encoding?: string): string | null
  buffer(): Buffer | null
}

/**
 * The fractional-seconds precision of a DATETIME/TIMESTAMP result column, from its display length
 * (`YYYY-MM-DD HH:MM:SS` is 19 characters; `.ffffff` adds 1 + fsp).
 *
 * @internal
 */
export function datetimePrecisionOf(length: number): number {
  return length > 19 ? Math.min(length - 20, 6) : 0
}

function readJson(field: CastField, parsed: boolean): unknown {
  const text = field.string('utf8')
  return text === null || !parsed ? text : JSON.parse(text)
}

/**
 * Makes the mysql2 `typeCast` function that reads values as {@link TypeCastOptions} say. `createDatabase` applies
 * it (with `jsonStrings`, `supportBigNumbers` and `bigNumberStrings` on its pool) to the result sets that have a
 * column it converts, and lets mysql2 read the others on its own; use it yourself only for a pool you make by hand.
 *
 * mysql2 calls it for every column of every row: the options are decided once here, and a column whose type is not
 * converted (integers, decimals, plain text) goes straight to mysql2's own reading.
 *
 * @example
 * ```ts
 * import { createPool } from 'mysql2'
 * import { createTypeCast } from 'kysely-toolkit'
 *
 * const pool = createPool({
 *   uri: process.env.DATABASE_URL,
 *   supportBigNumbers: true,
 *   bigNumberStrings: true,
 *   jsonStrings: true,
 *   typeCast: createTypeCast({ tinyint1: 'boolean' }),
 * })
 * ```
 */
export function createTypeCast(options: TypeCastOptions = {}): TypeCast {
  const resolved = { ...TYPE_CAST_DEFAULTS, ...options }
  // Decided once: the function below compares only the column's type name (an interned string).
  const parseJson = resolved.json === 'parsed'
  const tinyintAsBoolean = resolved.tinyint1 === 'boolean'
  const bigintAsBigint = resolved.bigint === 'bigint'
  const dateAsText = resolved.date === 'string'
  const datetimeAsText = resolved.datetime === 'string'
  const typeCast = (field: CastField, next: () => unknown): unknown => {
    switch (field.type) {
      case 'LONG':
      case 'SHORT':
      case 'INT24':
      case 'NEWDECIMAL':
      case 'DOUBLE':
      case 'FLOAT':
        return next()
      case 'VAR_STRING':
      case 'STRING':
      case 'VARCHAR':
      case 'BLOB':
      case 'TINY_BLOB':
      case 'MEDIUM_BLOB':
      case 'LONG_BLOB':
        // MariaDB's JSON is a LONGTEXT flagged in the extended metadata.
        return field.extendedFormat === 'json' ? readJson(field, parseJson) : next()
      case 'DATETIME':
      case 'DATETIME2':
      case 'TIMESTAMP':
      case 'TIMESTAMP2':
        return datetimeAsText || datetimePrecisionOf(field.length) > 3 ? field.string('ascii') : next()
      case 'TINY': {
        if (!tinyintAsBoolean || field.length !== 1) return next()
        const value = next()
        return value === null ? null : value !== 0
      }
      case 'LONGLONG': {
        if (!bigintAsBigint) return next()
        const value = next()
        return value === null ? null : BigInt(value as string | number)
      }
      case 'DATE':
      case 'NEWDATE':
        return dateAsText ? field.string('ascii') : next()
      case 'JSON':
        return readJson(field, parseJson)
      case 'GEOMETRY':
      // MySQL 9's VECTOR, which mysql2 would read as an array that the pool cannot bind back: its bytes, as MariaDB's.
      case 'VECTOR':
        return field.buffer()
      default:
        return next()
    }
  }
  return typeCast as TypeCast
}

/** The column metadata mysql2 gives for a result set (its `ColumnDefinition`s), as far as {@link createCastFilter} reads it. */
export interface ResultColumn {
  /** mysql2's numeric column type (`Types`). */
  readonly columnType: number
  readonly columnLength: number
  /** MariaDB's extended metadata, e.g. `'json'` for a JSON column (a LONGTEXT on MariaDB). */
  readonly extendedFormat?: string | undefined
}

/**
 * The protocol's column type codes this module tells apart (what mysql2 calls `Types`; they are fixed by the
 * MySQL client/server protocol, and mysql2's CommonJS `Types` cannot be imported by name from ESM).
 */
const TYPE_CODES = {
  TINY: 1,
  TIMESTAMP: 7,
  LONGLONG: 8,
  DATE: 10,
  DATETIME: 12,
  NEWDATE: 14,
  VARCHAR: 15,
  VECTOR: 242,
  JSON: 245,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const

const TEXT_TYPES = new Set<number>([
  TYPE_CODES.VAR_STRING,
  TYPE_CODES.STRING,
  TYPE_CODES.VARCHAR,
  TYPE_CODES.BLOB,
  TYPE_CODES.TINY_BLOB,
  TYPE_CODES.MEDIUM_BLOB,
  TYPE_CODES.LONG_BLOB,
])
const DATETIME_TYPES = new Set<number>([TYPE_CODES.DATETIME, TYPE_CODES.TIMESTAMP])
const DATE_TYPES = new Set<number>([TYPE_CODES.DATE, TYPE_CODES.NEWDATE])

/**
 * Whether a result set has a column that the function from {@link createTypeCast} (with the same options) converts.
 * For every other column that function hands the value to mysql2's own reading (`next()`), so a result set without
 * such a column reads the same with or without it: mysql2 can then skip the typeCast machinery, which costs a
 * wrapper object per column on every result set (its schema, table and name decoded from the packet) and a call per
 * value. The guarded pool asks this when a result set's columns arrive, before its rows are read.
 *
 * @example
 * ```ts
 * const needsCast = createCastFilter({})
 * needsCast([{ columnType: 3, columnLength: 11 }]) // false: an INT (LONG) reads the same with or without the cast
 * needsCast([{ columnType: 12, columnLength: 26 }]) // true: DATETIME(6) is read as text
 * ```
 *
 * @internal
 */
export function createCastFilter(
  options: TypeCastOptions = {},
): (columns: readonly ResultColumn[]) => boolean {
  const resolved = { ...TYPE_CAST_DEFAULTS, ...options }
  const tinyintAsBoolean = resolved.tinyint1 === 'boolean'
  const bigintAsBigint = resolved.bigint === 'bigint'
  const dateAsText = resolved.date === 'string'
  const datetimeAsText = resolved.datetime === 'string'
  const converts = (column: ResultColumn): boolean => {
    const type = column.columnType
    if (TEXT_TYPES.has(type)) return column.extendedFormat === 'json'
    if (DATETIME_TYPES.has(type)) return datetimeAsText || datetimePrecisionOf(column.columnLength) > 3
    if (DATE_TYPES.has(type)) return dateAsText
    switch (type) {
      case TYPE_CODES.TINY:
        return tinyintAsBoolean && column.columnLength === 1
      case TYPE_CODES.LONGLONG:
        return bigintAsBigint
      case TYPE_CODES.JSON:
      case TYPE_CODES.GEOMETRY:
      case TYPE_CODES.VECTOR:
        return true
      default:
        return false
    }
  }
  return (columns) => {
    for (const column of columns) if (converts(column)) return true
    return false
  }
}
