import type { ResolvedTypeCastOptions } from '../src/database/type-cast.js'
import type { ColumnJsType } from '../src/schema/schema-metadata.js'

/**
 * What a column holds, as far as types and validation care: one description drives the generated TypeScript type,
 * the zod schemas and the runtime type, so they cannot disagree. Integer bounds are decimal strings (BIGINT
 * UNSIGNED's 18446744073709551615 is no JavaScript number).
 */
export type ValueType =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly min: string; readonly max: string }
  | {
      readonly kind: 'bigint'
      readonly mode: 'string' | 'bigint'
      readonly min: string
      readonly max: string
    }
  | {
      readonly kind: 'decimal'
      readonly precision: number
      readonly scale: number
      readonly unsigned: boolean
    }
  | { readonly kind: 'float'; readonly unsigned: boolean }
  | { readonly kind: 'string'; readonly maxChars: number | null; readonly maxBytes: number | null }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'set'; readonly values: readonly string[] }
  | { readonly kind: 'date'; readonly mode: 'string' | 'date' }
  | { readonly kind: 'datetime'; readonly mode: 'string' | 'date'; readonly fsp: number }
  | { readonly kind: 'time'; readonly fsp: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'json'; readonly mode: 'string' | 'parsed' }
  | { readonly kind: 'bytes'; readonly maxBytes: number | null }
  | { readonly kind: 'bit'; readonly bits: number }
  | { readonly kind: 'geometry' }
  | { readonly kind: 'vector'; readonly dimensions: number }
  | { readonly kind: 'unknown' }

/** A value of `ValueType['kind']`. */
export type ValueKind = ValueType['kind']

/** The column facts {@link mapColumnType} reads. */
export interface MappableColumn {
  readonly dataType: string
  readonly columnType: string
  readonly unsigned: boolean
  readonly maxLength: number | null
  readonly maxBytes: number | null
  readonly precision: number | null
  readonly scale: number | null
  readonly fsp: number | null
  readonly enumValues: readonly string[] | null
  readonly setValues: readonly string[] | null
}

/** The width in bits of each integer type. @internal */
export const INTEGER_BITS: Readonly<Record<string, number>> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  integer: 32,
  bigint: 64,
}

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'])
/** MariaDB types with a text form (10.7+ UUID, 10.10+ INET4/INET6); mysql2 reads them as strings. */
const TEXTUAL_EXTENDED_TYPES = new Set(['uuid', 'inet4', 'inet6'])
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'])
const GEOMETRY_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
])

/**
 * Maps a column to its {@link ValueType} under the given `types` options. Returns `{ kind: 'unknown' }` for a type
 * it does not know (the caller warns, naming the column).
 *
 * @example
 * ```ts
 * mapColumnType({ dataType: 'bigint', columnType: 'bigint unsigned', unsigned: true, ... }, TYPE_CAST_DEFAULTS)
 * // { kind: 'bigint', mode: 'string', min: '0', max: '18446744073709551615' }
 * ```
 */
export function mapColumnType(column: MappableColumn, types: ResolvedTypeCastOptions): ValueType {
  const dataType = column.dataType.toLowerCase()
  const bits = INTEGER_BITS[dataType]
  if (bits !== undefined) {
    if (dataType === 'tinyint' && /^tinyint\(1\)/.test(column.columnType) && types.tinyint1 === 'boolean') {
      return { kind: 'boolean' }
    }
    const [min, max] = integerRange(bits, column.unsigned)
    return bits === 64 ? { kind: 'bigint', mode: types.bigint, min, max } : { kind: 'integer', min, max }
  }
  if (dataType === 'decimal' || dataType === 'numeric' || dataType === 'dec' || dataType === 'fixed') {
    return {
      kind: 'decimal',
      precision: column.precision ?? 10,
      scale: column.scale ?? 0,
      unsigned: column.unsigned,
    }
  }
  if (
    dataType === 'float' ||
    dataType === 'double' ||
    dataType === 'real' ||
    dataType === 'double precision'
  ) {
    return { kind: 'float', unsigned: column.unsigned }
  }
  if (dataType === 'json') return { kind: 'json', mode: types.json }
  if (TEXT_TYPES.has(dataType)) {
    // CHAR/VARCHAR limits count characters; the TEXT family is limited in bytes.
    const isVarying = dataType === 'char' || dataType === 'varchar'
    return {
      kind: 'string',
      maxChars: isVarying ? column.maxLength : null,
      maxBytes: isVarying ? null : column.maxBytes,
    }
  }
  if (TEXTUAL_EXTENDED_TYPES.has(dataType)) return { kind: 'string', maxChars: null, maxBytes: null }
  if (dataType === 'enum') return { kind: 'enum', values: column.enumValues ?? [] }
  if (dataType === 'set') return { kind: 'set', values: column.setValues ?? [] }
  if (dataType === 'date') return { kind: 'date', mode: types.date }
  if (dataType === 'datetime' || dataType === 'timestamp') {
    const fsp = column.fsp ?? 0
    return { kind: 'datetime', mode: types.datetime === 'date' && fsp <= 3 ? 'date' : 'string', fsp }
  }
  if (dataType === 'time') return { kind: 'time', fsp: column.fsp ?? 0 }
  if (dataType === 'year') return { kind: 'year' }
  if (BINARY_TYPES.has(dataType)) return { kind: 'bytes', maxBytes: column.maxBytes ?? column.maxLength }
  if (dataType === 'bit') return { kind: 'bit', bits: column.precision ?? 1 }
  if (GEOMETRY_TYPES.has(dataType)) return { kind: 'geometry' }
  if (dataType === 'vector') {
    // MySQL 9 and MariaDB 11.7+: VECTOR(n) holds n single-precision floats, 4 bytes each.
    const dimensions = Number(/^vector\((\d+)\)/.exec(column.columnType)?.[1] ?? (column.maxBytes ?? 0) / 4)
    return { kind: 'vector', dimensions }
  }
  return { kind: 'unknown' }
}

/**
 * The range of an integer column as decimal strings.
 *
 * @internal
 */
export function integerRange(bits: number, unsigned: boolean): [min: string, max: string] {
  const size = 2n ** BigInt(bits)
  return unsigned ? ['0', String(size - 1n)] : [String(-(size / 2n)), String(size / 2n - 1n)]
}

/**
 * The JavaScript type a value of this kind has at run time.
 *
 * @example
 * ```ts
 * jsTypeOf({ kind: 'datetime', mode: 'string', fsp: 6 }) // 'string'
 * ```
 */
export function jsTypeOf(value: ValueType): ColumnJsType {
  switch (value.kind) {
    case 'boolean':
      return 'boolean'
    case 'integer':
    case 'float':
    case 'year':
      return 'number'
    case 'bigint':
      return value.mode === 'bigint' ? 'bigint' : 'string'
    case 'date':
    case 'datetime':
      return value.mode === 'date' ? 'Date' : 'string'
    case 'json':
      return value.mode === 'parsed' ? 'json' : 'string'
    case 'bytes':
    case 'bit':
    case 'geometry':
    case 'vector':
      return 'Buffer'
    case 'unknown':
      return 'unknown'
    default:
      return 'string'
  }
}

/**
 * The TypeScript types of a value kind: what a select returns, and what an insert or update accepts. Named types
 * (`Int8`, `Decimal`, `Timestamp`, ...) are defined in the generated `db.ts`.
 */
export interface TsTypes {
  /** The type when selected. */
  readonly select: string
  /** The type accepted on insert and update. */
  readonly insert: string
  /** A named alias for `ColumnType<select, insert, insert>` when select and insert differ. */
  readonly alias: string | undefined
}

/**
 * The TypeScript select and insert types of a value kind (before `null`).
 *
 * @example
 * ```ts
 * tsTypesOf({ kind: 'decimal', precision: 12, scale: 2, unsigned: false })
 * // { select: 'string', insert: 'number | string', alias: 'Decimal' }
 * ```
 */
export function tsTypesOf(value: ValueType): TsTypes {
  switch (value.kind) {
    case 'boolean':
      return same('boolean')
    case 'integer':
    case 'float':
    case 'year':
      return same('number')
    case 'bigint':
      return { select: value.mode, insert: 'bigint | number | string', alias: 'Int8' }
    case 'decimal':
      return { select: 'string', insert: 'number | string', alias: 'Decimal' }
    case 'string':
    case 'time':
    case 'set':
      return same('string')
    case 'enum':
      return same(
        value.values.length === 0 ? 'never' : value.values.map((item) => JSON.stringify(item)).join(' | '),
      )
    case 'date':
      return value.mode === 'date'
        ? { select: 'Date', insert: 'Date | string', alias: 'Timestamp' }
        : same('string')
    case 'datetime':
      return value.mode === 'date'
        ? { select: 'Date', insert: 'Date | string', alias: 'Timestamp' }
        : { select: 'string', insert: 'Date | string', alias: 'TimestampString' }
    case 'json':
      return value.mode === 'parsed'
        ? { select: 'JsonValue', insert: 'string', alias: 'Json' }
        : same('string')
    case 'bytes':
    case 'geometry':
    case 'vector':
      return same('Buffer')
    case 'bit':
      return { select: 'Buffer', insert: 'Buffer | number', alias: 'Bit' }
    case 'unknown':
      return same('unknown')
  }
}

function same(type: string): TsTypes {
  return { select: type, insert: type, alias: undefined }
}
