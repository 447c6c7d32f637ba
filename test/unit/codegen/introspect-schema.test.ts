import { describe, expect, it } from 'vitest'
import {
  compareNames,
  integerPrecision,
  normaliseColumnType,
  normaliseExpression,
  normaliseReferentialAction,
  parseColumnDefault,
  parseQuotedList,
  stripCharsetIntroducers,
} from '../../../codegen/introspect-schema.js'

describe(parseColumnDefault.name, () => {
  const mariadb = { nullable: false, extra: '', flavor: 'mariadb' } as const
  const mysql = { nullable: false, extra: '', flavor: 'mysql' } as const

  it('reads MariaDB defaults: quoted literals, NULL as text, bare expressions', () => {
    expect(parseColumnDefault("'active'", mariadb)).toEqual({ kind: 'value', value: 'active' })
    expect(parseColumnDefault("'it''s'", mariadb)).toEqual({ kind: 'value', value: "it's" })
    expect(parseColumnDefault("'NULL'", mariadb)).toEqual({ kind: 'value', value: 'NULL' })
    expect(parseColumnDefault('NULL', { ...mariadb, nullable: true })).toEqual({ kind: 'null' })
    expect(parseColumnDefault('0.00', mariadb)).toEqual({ kind: 'value', value: '0.00' })
    expect(parseColumnDefault("b'1'", mariadb)).toEqual({ kind: 'value', value: "b'1'" })
    expect(parseColumnDefault('current_timestamp(3)', mariadb)).toEqual({
      kind: 'expression',
      sql: 'current_timestamp(3)',
    })
    expect(parseColumnDefault('current_timestamp()', mariadb)).toEqual({
      kind: 'expression',
      sql: 'current_timestamp()',
    })
    expect(parseColumnDefault(null, mariadb)).toBeNull()
  })

  it('reads MySQL 8 defaults: unquoted literals, SQL NULL, DEFAULT_GENERATED expressions', () => {
    expect(parseColumnDefault('active', mysql)).toEqual({ kind: 'value', value: 'active' })
    expect(parseColumnDefault(null, mysql)).toBeNull()
    expect(parseColumnDefault(null, { ...mysql, nullable: true })).toEqual({ kind: 'null' })
    expect(parseColumnDefault('CURRENT_TIMESTAMP(3)', { ...mysql, extra: 'default_generated' })).toEqual({
      kind: 'expression',
      sql: 'current_timestamp(3)',
    })
    expect(parseColumnDefault('CURRENT_TIMESTAMP', mysql)).toEqual({
      kind: 'expression',
      sql: 'current_timestamp()',
    })
    expect(parseColumnDefault('uuid()', { ...mysql, extra: 'default_generated' })).toEqual({
      kind: 'expression',
      sql: 'uuid()',
    })
  })
})

describe(normaliseColumnType.name, () => {
  it('drops integer display widths as MySQL 8.0.19+ does, except TINYINT(1)', () => {
    expect(normaliseColumnType('int(10) unsigned')).toBe('int unsigned')
    expect(normaliseColumnType('bigint(20) unsigned zerofill')).toBe('bigint unsigned zerofill')
    expect(normaliseColumnType('tinyint(4)')).toBe('tinyint')
    expect(normaliseColumnType('tinyint(1)')).toBe('tinyint(1)')
    expect(normaliseColumnType('year(4)')).toBe('year')
    expect(normaliseColumnType('DECIMAL(12,2)')).toBe('decimal(12,2)')
    expect(normaliseColumnType('varchar(255)')).toBe('varchar(255)')
  })
})

describe(normaliseExpression.name, () => {
  it('spells CURRENT_TIMESTAMP the way MariaDB reports it', () => {
    expect(normaliseExpression('CURRENT_TIMESTAMP')).toBe('current_timestamp()')
    expect(normaliseExpression('now(6)')).toBe('current_timestamp(6)')
    expect(normaliseExpression('(rand())')).toBe('(rand())')
  })

  it("spells a hex literal one way (MySQL writes 0x00ff, MariaDB X'00ff')", () => {
    expect(normaliseExpression('0x00FF')).toBe("x'00ff'")
    expect(normaliseExpression("X'00ff'")).toBe("x'00ff'")
  })
})

describe(parseQuotedList.name, () => {
  it('reads ENUM and SET values with doubled quotes, commas and parentheses inside', () => {
    expect(parseQuotedList("enum('a','b''c','d,e','(f)')")).toEqual(['a', "b'c", 'd,e', '(f)'])
    expect(parseQuotedList("set('red','green')")).toEqual(['red', 'green'])
  })
})

describe('MySQL and MariaDB spellings of the same schema', () => {
  const mariadb = { nullable: true, extra: '', flavor: 'mariadb' } as const
  const mysql = { nullable: true, extra: 'default_generated', flavor: 'mysql' } as const

  it("reads MySQL's DEFAULT ('text') as the value MariaDB reports for DEFAULT 'text'", () => {
    // As information_schema.COLUMNS reports `text default ('it''s \\ "q" \n end')` on each server.
    const value = { kind: 'value', value: 'it\'s \\ "q" \n end' }
    expect(parseColumnDefault(String.raw`_utf8mb4\'it\\\'s \\\\ "q" \\n end\'`, mysql)).toEqual(value)
    expect(parseColumnDefault(String.raw`'it\'s \\ "q" \n end'`, mariadb)).toEqual(value)
    expect(parseColumnDefault(String.raw`_utf8mb4\'{"a": 1}\'`, mysql)).toEqual({
      kind: 'value',
      value: '{"a": 1}',
    })
  })

  it('reads expression defaults without MySQL’s escaping and charset introducers', () => {
    const expression = { kind: 'expression', sql: "concat('a','b')" }
    expect(parseColumnDefault(String.raw`concat(_utf8mb4\'a\',_utf8mb4\'b\')`, mysql)).toEqual(expression)
    expect(parseColumnDefault("concat('a','b')", mariadb)).toEqual(expression)
    expect(parseColumnDefault('(1 + 1)', mysql)).toEqual({ kind: 'expression', sql: '(1 + 1)' })
  })

  it('keeps string contents that look like introducers', () => {
    expect(stripCharsetIntroducers("concat(_latin1'x', ' _utf8mb4''y', a_b'z')")).toBe(
      "concat('x', ' _utf8mb4''y', a_b'z')",
    )
  })

  it('orders names by code unit, whatever the collation of information_schema', () => {
    expect(['accounts', 'account_transactions', 'Zebra'].sort(compareNames)).toEqual([
      'Zebra',
      'account_transactions',
      'accounts',
    ])
  })

  it('reads NO ACTION as RESTRICT (one rule in InnoDB; MySQL reports an unspecified rule as NO ACTION)', () => {
    expect(normaliseReferentialAction('NO ACTION')).toBe('RESTRICT')
    expect(normaliseReferentialAction('RESTRICT')).toBe('RESTRICT')
    expect(normaliseReferentialAction('CASCADE')).toBe('CASCADE')
    expect(normaliseReferentialAction('SET NULL')).toBe('SET NULL')
  })

  it('gives integer types the digits of their largest value (MySQL says 7 for MEDIUMINT UNSIGNED)', () => {
    expect(integerPrecision('mediumint', true)).toBe(8)
    expect(integerPrecision('mediumint', false)).toBe(7)
    expect(integerPrecision('tinyint', false)).toBe(3)
    expect(integerPrecision('bigint', true)).toBe(20)
    expect(integerPrecision('bigint', false)).toBe(19)
    expect(integerPrecision('decimal', false)).toBeNull()
  })
})
