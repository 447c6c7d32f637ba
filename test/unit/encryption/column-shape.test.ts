import { describe, expect, it } from 'vitest'
import { normalizeColumnType } from '../../../src/plugin/encryption/column-shape.js'

describe(normalizeColumnType.name, () => {
  it('leaves integer display widths out, as MySQL 8 writes COLUMN_TYPE', () => {
    expect(normalizeColumnType('int', 'int(10) unsigned')).toBe('int unsigned')
    expect(normalizeColumnType('INT', 'int(11)')).toBe('int')
    expect(normalizeColumnType('bigint', 'bigint(20) unsigned')).toBe('bigint unsigned')
    expect(normalizeColumnType('tinyint', 'tinyint(3) unsigned')).toBe('tinyint unsigned')
    expect(normalizeColumnType('int', 'int unsigned')).toBe('int unsigned')
  })

  it('keeps the widths MySQL keeps too (tinyint(1), zerofill) and every other type as reported', () => {
    expect(normalizeColumnType('tinyint', 'tinyint(1)')).toBe('tinyint(1)')
    expect(normalizeColumnType('int', 'int(5) unsigned zerofill')).toBe('int(5) unsigned zerofill')
    expect(normalizeColumnType('varchar', 'varchar(120)')).toBe('varchar(120)')
    expect(normalizeColumnType('varbinary', 'varbinary(255)')).toBe('varbinary(255)')
    expect(normalizeColumnType('decimal', 'decimal(10,2)')).toBe('decimal(10,2)')
  })
})
