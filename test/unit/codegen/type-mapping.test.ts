import { describe, expect, it } from 'vitest'
import {
  integerRange,
  jsTypeOf,
  type MappableColumn,
  mapColumnType,
  tsTypesOf,
} from '../../../codegen/type-mapping.js'
import { TYPE_CAST_DEFAULTS } from '../../../src/database/type-cast.js'

function column(dataType: string, columnType: string, extra: Partial<MappableColumn> = {}): MappableColumn {
  return {
    dataType,
    columnType,
    unsigned: /unsigned/.test(columnType),
    maxLength: null,
    maxBytes: null,
    precision: null,
    scale: null,
    fsp: null,
    enumValues: null,
    setValues: null,
    ...extra,
  }
}

const defaults = TYPE_CAST_DEFAULTS
const alternate = {
  bigint: 'bigint',
  tinyint1: 'boolean',
  date: 'date',
  datetime: 'string',
  json: 'parsed',
} as const

describe(mapColumnType.name, () => {
  it.each([
    ['tinyint', 'tinyint', '-128', '127'],
    ['tinyint', 'tinyint unsigned', '0', '255'],
    ['smallint', 'smallint', '-32768', '32767'],
    ['smallint', 'smallint unsigned', '0', '65535'],
    ['mediumint', 'mediumint', '-8388608', '8388607'],
    ['mediumint', 'mediumint unsigned', '0', '16777215'],
    ['int', 'int', '-2147483648', '2147483647'],
    ['int', 'int unsigned', '0', '4294967295'],
  ])('%s (%s) is an integer from %s to %s', (dataType, columnType, min, max) => {
    expect(mapColumnType(column(dataType, columnType), defaults)).toEqual({ kind: 'integer', min, max })
  })

  it('maps BIGINT by signedness, as a string by default and as bigint when configured', () => {
    expect(mapColumnType(column('bigint', 'bigint unsigned'), defaults)).toEqual({
      kind: 'bigint',
      mode: 'string',
      min: '0',
      max: '18446744073709551615',
    })
    expect(mapColumnType(column('bigint', 'bigint'), alternate)).toEqual({
      kind: 'bigint',
      mode: 'bigint',
      min: '-9223372036854775808',
      max: '9223372036854775807',
    })
  })

  it('maps TINYINT(1) to a number by default and to boolean when configured, other widths always to numbers', () => {
    expect(mapColumnType(column('tinyint', 'tinyint(1)'), defaults).kind).toBe('integer')
    expect(mapColumnType(column('tinyint', 'tinyint(1)'), alternate)).toEqual({ kind: 'boolean' })
    expect(mapColumnType(column('tinyint', 'tinyint(1) unsigned'), alternate)).toEqual({ kind: 'boolean' })
    expect(mapColumnType(column('tinyint', 'tinyint'), alternate).kind).toBe('integer')
  })

  it('maps DECIMAL with its precision and scale, FLOAT and DOUBLE to numbers', () => {
    expect(
      mapColumnType(column('decimal', 'decimal(65,30)', { precision: 65, scale: 30 }), defaults),
    ).toEqual({
      kind: 'decimal',
      precision: 65,
      scale: 30,
      unsigned: false,
    })
    expect(mapColumnType(column('float', 'float'), defaults)).toEqual({ kind: 'float', unsigned: false })
    expect(mapColumnType(column('double', 'double unsigned'), defaults)).toEqual({
      kind: 'float',
      unsigned: true,
    })
  })

  it('keeps DATETIME/TIMESTAMP with more than millisecond precision as strings even in date mode', () => {
    expect(mapColumnType(column('datetime', 'datetime(3)', { fsp: 3 }), defaults)).toEqual({
      kind: 'datetime',
      mode: 'date',
      fsp: 3,
    })
    expect(mapColumnType(column('datetime', 'datetime(4)', { fsp: 4 }), defaults)).toEqual({
      kind: 'datetime',
      mode: 'string',
      fsp: 4,
    })
    expect(mapColumnType(column('timestamp', 'timestamp(6)', { fsp: 6 }), defaults).kind).toBe('datetime')
    expect(mapColumnType(column('datetime', 'datetime', { fsp: 0 }), alternate)).toEqual({
      kind: 'datetime',
      mode: 'string',
      fsp: 0,
    })
    expect(mapColumnType(column('date', 'date'), defaults)).toEqual({ kind: 'date', mode: 'string' })
    expect(mapColumnType(column('date', 'date'), alternate)).toEqual({ kind: 'date', mode: 'date' })
    expect(mapColumnType(column('time', 'time(6)', { fsp: 6 }), defaults)).toEqual({ kind: 'time', fsp: 6 })
    expect(mapColumnType(column('year', 'year'), defaults)).toEqual({ kind: 'year' })
  })

  it('limits CHAR/VARCHAR by characters and the TEXT family by bytes', () => {
    expect(
      mapColumnType(column('varchar', 'varchar(255)', { maxLength: 255, maxBytes: 1020 }), defaults),
    ).toEqual({
      kind: 'string',
      maxChars: 255,
      maxBytes: null,
    })
    expect(mapColumnType(column('text', 'text', { maxLength: 65535, maxBytes: 65535 }), defaults)).toEqual({
      kind: 'string',
      maxChars: null,
      maxBytes: 65535,
    })
    expect(mapColumnType(column('uuid', 'uuid'), defaults)).toEqual({
      kind: 'string',
      maxChars: null,
      maxBytes: null,
    })
  })

  it('maps ENUM and SET with their values, JSON by mode, binary, BIT and spatial types to Buffers', () => {
    expect(mapColumnType(column('enum', "enum('a','b')", { enumValues: ['a', 'b'] }), defaults)).toEqual({
      kind: 'enum',
      values: ['a', 'b'],
    })
    expect(mapColumnType(column('set', "set('x')", { setValues: ['x'] }), defaults)).toEqual({
      kind: 'set',
      values: ['x'],
    })
    expect(mapColumnType(column('json', 'json'), defaults)).toEqual({ kind: 'json', mode: 'string' })
    expect(mapColumnType(column('json', 'json'), alternate)).toEqual({ kind: 'json', mode: 'parsed' })
    expect(
      mapColumnType(column('varbinary', 'varbinary(16)', { maxLength: 16, maxBytes: 16 }), defaults),
    ).toEqual({
      kind: 'bytes',
      maxBytes: 16,
    })
    expect(mapColumnType(column('bit', 'bit(64)', { precision: 64 }), defaults)).toEqual({
      kind: 'bit',
      bits: 64,
    })
    expect(mapColumnType(column('point', 'point'), defaults)).toEqual({ kind: 'geometry' })
  })

  it('maps VECTOR(n) (MySQL 9, MariaDB 11.7+) to n single-precision floats in a Buffer', () => {
    expect(mapColumnType(column('vector', 'vector(3)', { maxLength: 12, maxBytes: 12 }), defaults)).toEqual({
      kind: 'vector',
      dimensions: 3,
    })
    expect(tsTypesOf({ kind: 'vector', dimensions: 3 })).toEqual({
      select: 'Buffer',
      insert: 'Buffer',
      alias: undefined,
    })
    expect(jsTypeOf({ kind: 'vector', dimensions: 3 })).toBe('Buffer')
  })

  it('maps a spatial column restricted to an SRID as any spatial column', () => {
    expect(mapColumnType(column('point', 'point srid 4326'), defaults)).toEqual({ kind: 'geometry' })
  })

  it('falls back to unknown for a type it does not know', () => {
    expect(mapColumnType(column('xmltype', 'xmltype'), defaults)).toEqual({ kind: 'unknown' })
  })
})

describe(tsTypesOf.name, () => {
  it('gives select and insert types, with an alias where they differ', () => {
    expect(tsTypesOf({ kind: 'bigint', mode: 'string', min: '0', max: '1' })).toEqual({
      select: 'string',
      insert: 'bigint | number | string',
      alias: 'Int8',
    })
    expect(tsTypesOf({ kind: 'decimal', precision: 12, scale: 2, unsigned: false })).toEqual({
      select: 'string',
      insert: 'number | string',
      alias: 'Decimal',
    })
    expect(tsTypesOf({ kind: 'datetime', mode: 'string', fsp: 6 }).alias).toBe('TimestampString')
    expect(tsTypesOf({ kind: 'json', mode: 'string' })).toEqual({
      select: 'string',
      insert: 'string',
      alias: undefined,
    })
    expect(tsTypesOf({ kind: 'json', mode: 'parsed' }).insert).toBe('string')
    expect(tsTypesOf({ kind: 'enum', values: ['a', "it's"] }).select).toBe('"a" | "it\'s"')
    expect(tsTypesOf({ kind: 'unknown' }).select).toBe('unknown')
  })
})

describe(jsTypeOf.name, () => {
  it('names the runtime type of each kind', () => {
    expect(jsTypeOf({ kind: 'bigint', mode: 'bigint', min: '0', max: '1' })).toBe('bigint')
    expect(jsTypeOf({ kind: 'datetime', mode: 'date', fsp: 3 })).toBe('Date')
    expect(jsTypeOf({ kind: 'geometry' })).toBe('Buffer')
    expect(jsTypeOf({ kind: 'set', values: [] })).toBe('string')
  })
})

describe(integerRange.name, () => {
  it('computes ranges beyond 2^53 exactly', () => {
    expect(integerRange(64, true)).toEqual(['0', '18446744073709551615'])
    expect(integerRange(64, false)).toEqual(['-9223372036854775808', '9223372036854775807'])
  })
})
