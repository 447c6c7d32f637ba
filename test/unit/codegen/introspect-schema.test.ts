import { describe, expect, it } from 'vitest'
import {
  normaliseColumnType,
  normaliseExpression,
  parseColumnDefault,
  parseQuotedList,
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
})

describe(parseQuotedList.name, () => {
  it('reads ENUM and SET values with doubled quotes, commas and parentheses inside', () => {
    expect(parseQuotedList("enum('a','b''c','d,e','(f)')")).toEqual(['a', "b'c", 'd,e', '(f)'])
    expect(parseQuotedList("set('red','green')")).toEqual(['red', 'green'])
  })
})
