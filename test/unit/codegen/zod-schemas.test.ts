import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { zodSource } from '../../../codegen/zod-schemas.js'
import { EVERY_TYPE_ROWS } from '../../fixtures/every-type/every-type.js'
import { EVERY_TYPE_MYSQL_ROWS, vectorBytes } from '../../fixtures/every-type/every-type-mysql.js'
import { everyType } from '../../fixtures/every-type/generated/camel/zod.js'
import { every_type } from '../../fixtures/every-type/generated/default/zod.js'
import { every_type as mysqlEveryType } from '../../fixtures/every-type/mysql/generated/default/zod.js'

const base = EVERY_TYPE_ROWS[3]!
const accepts = (input: Record<string, unknown>) => every_type.insert.safeParse({ ...base, ...input }).success
const messageOf = (input: Record<string, unknown>) =>
  every_type.insert.safeParse({ ...base, ...input }).error?.issues.map((issue) => issue.message)

describe(zodSource.name, () => {
  it('makes nullable columns nullable, optional ones optional on insert, and every column optional on update', () => {
    const value = { kind: 'integer', min: '0', max: '255' } as const
    expect(zodSource(value, 'row', { nullable: true, insert: 'optional' })).toBe('integer(0, 255).nullable()')
    expect(zodSource(value, 'insert', { nullable: false, insert: 'required' })).toBe('integer(0, 255)')
    expect(zodSource(value, 'insert', { nullable: true, insert: 'optional' })).toBe(
      'integer(0, 255).nullable().optional()',
    )
    expect(zodSource(value, 'update', { nullable: false, insert: 'required' })).toBe(
      'integer(0, 255).optional()',
    )
  })
})

describe('generated zod schemas (every_type)', () => {
  it('require NOT NULL columns without a default and refuse generated columns and unknown keys', () => {
    const { tiny_signed: _required, ...withoutRequired } = base
    expect(every_type.insert.safeParse(withoutRequired).success).toBe(false)
    expect(accepts({ varchar_length: 3 })).toBe(false)
    expect(accepts({ no_such_column: 1 })).toBe(false)
    expect(every_type.update.safeParse({}).success).toBe(true)
  })

  it('bound integers by size and signedness', () => {
    expect(accepts({ tiny_signed: -128 })).toBe(true)
    expect(accepts({ tiny_signed: 128 })).toBe(false)
    expect(accepts({ tiny_unsigned: -1 })).toBe(false)
    expect(accepts({ int_unsigned: 4294967295 })).toBe(true)
    expect(accepts({ int_unsigned: 4294967296 })).toBe(false)
    expect(accepts({ small_signed: 1.5 })).toBe(false)
    expect(messageOf({ tiny_signed: 200 })).toEqual(['must be at most 127'])
  })

  it('take BIGINT as digits, bigint or safe integer within range', () => {
    expect(accepts({ big_unsigned: '18446744073709551615' })).toBe(true)
    expect(accepts({ big_unsigned: '18446744073709551616' })).toBe(false)
    expect(accepts({ big_unsigned: 18446744073709551615n })).toBe(true)
    expect(accepts({ big_unsigned: -1 })).toBe(false)
    expect(accepts({ big_signed: Number.MAX_SAFE_INTEGER + 2 })).toBe(false)
    expect(accepts({ big_signed: '-9223372036854775808' })).toBe(true)
    expect(accepts({ big_signed: '12a' })).toBe(false)
    expect(every_type.row.shape.big_unsigned.safeParse(18446744073709551615n).success).toBe(false)
    expect(everyType.row.shape.bigUnsigned.safeParse(18446744073709551615n).success).toBe(true)
  })

  it('check DECIMAL against its precision and scale', () => {
    expect(accepts({ decimal_money: '9999999999.99' })).toBe(true)
    expect(accepts({ decimal_money: '99999999999.99' })).toBe(false)
    expect(accepts({ decimal_money: '1.999' })).toBe(false)
    expect(accepts({ decimal_money: '-1.5' })).toBe(true)
    expect(accepts({ decimal_money: 12.5 })).toBe(true)
    expect(accepts({ decimal_money: 1e10 })).toBe(false)
    expect(accepts({ decimal_wide: `${'9'.repeat(35)}.${'9'.repeat(30)}` })).toBe(true)
    expect(accepts({ decimal_wide: `${'9'.repeat(36)}.0` })).toBe(false)
    // A selected DECIMAL always has exactly `scale` digits after the point.
    expect(every_type.row.shape.decimal_money.safeParse('1.50').success).toBe(true)
    expect(every_type.row.shape.decimal_money.safeParse('1.5').success).toBe(false)
  })

  it('limit VARCHAR by characters (code points, as the server counts) and TEXT by bytes', () => {
    expect(accepts({ varchar_value: '🐬'.repeat(255) })).toBe(true)
    expect(accepts({ varchar_value: 'a'.repeat(256) })).toBe(false)
    expect(accepts({ char_value: 'ABCDEFGHIJK' })).toBe(false)
    expect(accepts({ text_value: 'a'.repeat(65535) })).toBe(true)
    expect(accepts({ text_value: '🐬'.repeat(16384) })).toBe(false)
    expect(messageOf({ varchar_value: 'a'.repeat(256) })).toEqual(['must be at most 255 characters'])
  })

  it('count characters exactly whether or not the short-string shortcut applies (property)', () => {
    // CHAR(10): any string, astral characters included, is accepted exactly when it has at most 10 code points.
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (value) => {
        expect(accepts({ char_value: value })).toBe([...value].length <= 10)
      }),
      { numRuns: 500 },
    )
  })

  it('count TEXT bytes exactly whether or not the short-string shortcut applies (property)', () => {
    // 1-, 2-, 3- and 4-byte UTF-8 characters in amounts around TEXT's 65,535 bytes.
    const text = fc.record({
      one: fc.nat({ max: 66_000 }),
      two: fc.nat({ max: 33_000 }),
      three: fc.nat({ max: 22_000 }),
      four: fc.nat({ max: 16_500 }),
    })
    fc.assert(
      fc.property(text, ({ one, two, three, four }) => {
        const value = 'a'.repeat(one) + 'é'.repeat(two) + '€'.repeat(three) + '🐬'.repeat(four)
        expect(accepts({ text_value: value })).toBe(Buffer.byteLength(value) <= 65_535)
      }),
      { numRuns: 200 },
    )
    expect(accepts({ text_value: 'é'.repeat(21_845) })).toBe(true)
    expect(accepts({ text_value: '€'.repeat(21_845) })).toBe(true)
    expect(accepts({ text_value: '€'.repeat(21_846) })).toBe(false)
  })

  it('check dates, times, years, ENUM, SET, JSON and bytes', () => {
    expect(accepts({ date_value: '2024-02-29' })).toBe(true)
    expect(accepts({ date_value: '29/02/2024' })).toBe(false)
    expect(accepts({ datetime_micro: '2024-02-29 23:59:59.999999' })).toBe(true)
    expect(accepts({ datetime_micro: new Date() })).toBe(true)
    expect(accepts({ datetime_micro: 'yesterday' })).toBe(false)
    expect(every_type.row.shape.datetime_micro.safeParse('2024-02-29 23:59:59.999').success).toBe(false)
    expect(accepts({ time_micro: '-838:59:59' })).toBe(true)
    expect(accepts({ time_micro: '12h' })).toBe(false)
    expect(accepts({ year_value: 2155 })).toBe(true)
    expect(accepts({ year_value: 1900 })).toBe(false)
    expect(accepts({ enum_value: "it's" })).toBe(true)
    expect(accepts({ enum_value: 'huge' })).toBe(false)
    expect(accepts({ set_value: 'red,blue' })).toBe(true)
    expect(accepts({ set_value: 'red,red' })).toBe(false)
    expect(accepts({ set_value: 'purple' })).toBe(false)
    expect(accepts({ json_value: '{"a":[1]}' })).toBe(true)
    expect(accepts({ json_value: '{a:1}' })).toBe(false)
    expect(accepts({ json_value: { a: 1 } })).toBe(false)
    expect(accepts({ binary_value: Buffer.alloc(4) })).toBe(true)
    expect(accepts({ binary_value: Buffer.alloc(5) })).toBe(false)
    expect(accepts({ bit_one: 1 })).toBe(true)
    expect(accepts({ bit_one: 2 })).toBe(false)
    expect(everyType.row.shape.jsonValue.safeParse({ a: [1, null] }).success).toBe(true)
    expect(everyType.row.shape.jsonValue.safeParse({ a: () => 1 }).success).toBe(false)
  })
})

describe('generated zod schemas (every_type, MySQL variant)', () => {
  const mysqlBase = EVERY_TYPE_MYSQL_ROWS[3]!

  it('accept every MySQL edge row, and check VECTOR(3) as exactly 12 bytes', () => {
    for (const row of EVERY_TYPE_MYSQL_ROWS)
      expect(mysqlEveryType.insert.safeParse(row).error).toBeUndefined()
    const vector = (value: unknown) => mysqlEveryType.insert.safeParse({ ...mysqlBase, vector_value: value })
    expect(vector(vectorBytes([1, 2, 3])).success).toBe(true)
    expect(vector(null).success).toBe(true)
    expect(vector(vectorBytes([1, 2])).error?.issues.map((issue) => issue.message)).toEqual([
      'must be 3 single-precision floats (12 bytes)',
    ])
    expect(vector([1, 2, 3]).error?.issues.map((issue) => issue.message)).toEqual(['must be a Buffer'])
  })
})
