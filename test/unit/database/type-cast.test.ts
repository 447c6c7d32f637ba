import { Types } from 'mysql2'
import { describe, expect, it } from 'vitest'
import {
  createCastFilter,
  createTypeCast,
  datetimePrecisionOf,
  type TypeCastOptions,
} from '../../../src/database/type-cast.js'
import { resolveDatabaseOptions } from '../../../src/index.js'

/** A stand-in for the field mysql2 hands to typeCast, holding one value as the server's text. */
function field(type: string, length: number, text: string | null, extendedFormat?: string) {
  const read = { next: 0, string: 0, buffer: 0 }
  return {
    read,
    field: {
      type,
      length,
      extendedFormat,
      string: () => {
        read.string++
        return text
      },
      buffer: () => {
        read.buffer++
        return text === null ? null : Buffer.from(text)
      },
    },
    next: (parsed: unknown) => () => {
      read.next++
      return parsed
    },
  }
}

type Cast = (field: unknown, next: () => unknown) => unknown

describe(createTypeCast.name, () => {
  const defaults = createTypeCast() as Cast
  const alternate = createTypeCast({
    bigint: 'bigint',
    tinyint1: 'boolean',
    date: 'date',
    datetime: 'string',
  }) as Cast

  it('reads DATETIME with more than millisecond precision as text, and by default DATE as text', () => {
    const micro = field('DATETIME', 26, '2024-02-29 23:59:59.123456')
    expect(defaults(micro.field, micro.next(new Date()))).toBe('2024-02-29 23:59:59.123456')
    const milli = field('DATETIME', 23, '2024-02-29 23:59:59.123')
    const date = new Date('2024-02-29T23:59:59.123Z')
    expect(defaults(milli.field, milli.next(date))).toBe(date)
    const day = field('DATE', 10, '2024-02-29')
    expect(defaults(day.field, day.next(new Date()))).toBe('2024-02-29')
    expect(alternate(milli.field, milli.next(date))).toBe('2024-02-29 23:59:59.123')
  })

  it('reads TINYINT(1) as boolean and BIGINT as bigint only when configured', () => {
    const flag = field('TINY', 1, '2')
    expect(defaults(flag.field, flag.next(2))).toBe(2)
    expect(alternate(flag.field, flag.next(2))).toBe(true)
    expect(alternate(flag.field, flag.next(0))).toBe(false)
    expect(alternate(flag.field, flag.next(null))).toBeNull()
    const tiny = field('TINY', 4, '2')
    expect(alternate(tiny.field, tiny.next(2))).toBe(2)
    const big = field('LONGLONG', 20, '18446744073709551615')
    expect(defaults(big.field, big.next('18446744073709551615'))).toBe('18446744073709551615')
    expect(alternate(big.field, big.next('18446744073709551615'))).toBe(18446744073709551615n)
  })

  it('reads JSON (MySQL type or MariaDB extended format) as text by default, parsed when configured', () => {
    const mysqlJson = field('JSON', 4294967295, '{"big": 12345678901234567890}')
    expect(defaults(mysqlJson.field, mysqlJson.next({}))).toBe('{"big": 12345678901234567890}')
    expect(mysqlJson.read.next).toBe(0)
    const mariadbJson = field('BLOB', 4294967295, '[1]', 'json')
    expect((createTypeCast({ json: 'parsed' }) as Cast)(mariadbJson.field, mariadbJson.next(null))).toEqual([
      1,
    ])
  })

  it('reads spatial and VECTOR values as raw bytes and leaves other types to mysql2', () => {
    const point = field('GEOMETRY', 4294967295, 'raw')
    expect(defaults(point.field, point.next({ x: 1, y: 2 }))).toEqual(Buffer.from('raw'))
    // MySQL 9's VECTOR: its bytes (as MariaDB returns it), not mysql2's number[] that the pool cannot bind back.
    const vector = field('VECTOR', 12, 'raw')
    expect(defaults(vector.field, vector.next([1, 2, 3]))).toEqual(Buffer.from('raw'))
    const text = field('VAR_STRING', 1020, 'x')
    expect(defaults(text.field, text.next('x'))).toBe('x')
    expect(text.read).toEqual({ next: 1, string: 0, buffer: 0 })
  })
})

describe(datetimePrecisionOf.name, () => {
  it('derives the fractional precision from the display length', () => {
    expect(datetimePrecisionOf(19)).toBe(0)
    expect(datetimePrecisionOf(23)).toBe(3)
    expect(datetimePrecisionOf(26)).toBe(6)
  })
})

describe('database options types', () => {
  it('defaults every types option and rejects unknown modes naming the field', () => {
    expect(resolveDatabaseOptions({ url: 'mysql://root@localhost/app' }).types).toEqual({
      bigint: 'string',
      tinyint1: 'number',
      date: 'string',
      datetime: 'date',
      json: 'string',
    })
    expect(() =>
      resolveDatabaseOptions({ url: 'mysql://root@localhost/app', types: { bigint: 'number' as never } }),
    ).toThrow("types.bigint must be one of 'string', 'bigint' (got \"number\")")
  })
})

describe(createCastFilter.name, () => {
  // mysql2 hands typeCast the column's type name from its own table of names (typeNames[columnType]).
  const typeNames = Object.entries(Types as unknown as Record<string, number>).filter(
    ([, value]) => typeof value === 'number',
  )
  const optionSets: TypeCastOptions[] = [
    {},
    { bigint: 'bigint', tinyint1: 'boolean', date: 'date', datetime: 'string', json: 'string' },
    { date: 'date', json: 'parsed' },
  ]

  it('says a result set needs no cast exactly when the cast hands each of its columns to mysql2 untouched', () => {
    for (const options of optionSets) {
      const cast = createTypeCast(options) as Cast
      const needsCast = createCastFilter(options)
      for (const [name, columnType] of typeNames) {
        for (const columnLength of [1, 4, 11, 19, 20, 23, 24, 26, 255]) {
          for (const extendedFormat of [undefined, 'json']) {
            const untouched = Symbol('what mysql2 read')
            const column = field(name, columnLength, '{"a":1}', extendedFormat)
            let result: unknown
            try {
              result = cast(column.field, column.next(untouched))
            } catch {
              result = undefined // it converted the value (here a symbol, which BigInt refuses)
            }
            const passedThrough = result === untouched && column.read.string === 0 && column.read.buffer === 0
            const needed = needsCast([{ columnType, columnLength, extendedFormat }])
            expect({ name, columnLength, extendedFormat, options, needed }).toEqual({
              name,
              columnLength,
              extendedFormat,
              options,
              needed: !passedThrough,
            })
          }
        }
      }
    }
  })

  it('needs a cast when any column of the result set does', () => {
    const needsCast = createCastFilter()
    const int = { columnType: Types.LONG, columnLength: 11 }
    const micro = { columnType: Types.DATETIME, columnLength: 26 }
    expect(needsCast([int, int])).toBe(false)
    expect(needsCast([int, micro])).toBe(true)
    expect(needsCast([])).toBe(false)
  })
})
