import { describe, expect, it } from 'vitest'
import { summariseDifference } from '../../../codegen/check.js'
import { createTableFilter, resolveCodegenConfig } from '../../../codegen/codegen-options.js'
import type { IntrospectedColumn, IntrospectedSchema } from '../../../codegen/introspect-schema.js'
import { buildSchemaMetadata, insertModeOf } from '../../../codegen/metadata.js'
import { InvalidOptionsError, TYPE_CAST_DEFAULTS } from '../../../src/index.js'

describe(resolveCodegenConfig.name, () => {
  it('fills in documented defaults and freezes the result', () => {
    const config = resolveCodegenConfig({})
    expect(config).toEqual({
      outDir: './src/generated',
      typesFile: 'db.ts',
      metadataFile: 'metadata.ts',
      zodFile: 'zod.ts',
      camelCase: false,
      migrate: true,
      include: [],
      exclude: [],
      migrationTableName: 'kysely_migration',
      migrationLockTableName: 'kysely_migration_lock',
      types: TYPE_CAST_DEFAULTS,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('names every wrong field', () => {
    let error: unknown
    try {
      resolveCodegenConfig(
        { camelCase: 1, zodFile: true, typo: 1, types: { json: 'object' } },
        'config file x',
        'codegen',
      )
    } catch (caught) {
      error = caught
    }
    expect(InvalidOptionsError.is(error)).toBe(true)
    expect((error as InvalidOptionsError).problems.map((problem) => problem.message).sort()).toEqual([
      'codegen.camelCase must be true or false (got 1)',
      "codegen.types.json must be one of 'string', 'parsed' (got \"object\")",
      'codegen.typo is not a known option',
      'codegen.zodFile must be a file path or false (got true)',
    ])
  })
})

describe(createTableFilter.name, () => {
  it('always leaves out the migration tables, and applies include and exclude patterns', () => {
    const all = createTableFilter(resolveCodegenConfig({}))
    expect(all('users')).toBe(true)
    expect(all('kysely_migration')).toBe(false)
    expect(all('kysely_migration_lock')).toBe(false)
    const some = createTableFilter(resolveCodegenConfig({ include: ['shop_*'], exclude: ['*_archive'] }))
    expect(some('shop_orders')).toBe(true)
    expect(some('shop_orders_archive')).toBe(false)
    expect(some('users')).toBe(false)
  })
})

const baseColumn: IntrospectedColumn = {
  name: 'c',
  ordinal: 1,
  dataType: 'int',
  columnType: 'int',
  nullable: false,
  default: null,
  autoIncrement: false,
  generated: null,
  onUpdate: null,
  enumValues: null,
  setValues: null,
  maxLength: null,
  maxBytes: null,
  precision: 10,
  scale: 0,
  fsp: null,
  unsigned: false,
  charset: null,
  comment: null,
}

describe(insertModeOf.name, () => {
  it('requires NOT NULL columns without a default; auto-increment, defaulted, nullable are optional; generated never', () => {
    expect(insertModeOf(baseColumn)).toBe('required')
    expect(insertModeOf({ ...baseColumn, autoIncrement: true })).toBe('optional')
    expect(insertModeOf({ ...baseColumn, default: { kind: 'value', value: '1' } })).toBe('optional')
    expect(insertModeOf({ ...baseColumn, nullable: true })).toBe('optional')
    expect(insertModeOf({ ...baseColumn, generated: 'virtual', nullable: true })).toBe('never')
  })
})

describe(buildSchemaMetadata.name, () => {
  const schema: IntrospectedSchema = {
    flavor: 'mariadb',
    serverVersion: '10.11.6-MariaDB',
    database: 'shop',
    tables: [
      {
        name: 'map_points',
        kind: 'table',
        comment: null,
        columns: [
          { ...baseColumn, name: 'point_id' },
          { ...baseColumn, name: 'embedding', dataType: 'xmltype', columnType: 'xmltype', ordinal: 2 },
        ],
        primaryKey: ['point_id'],
        uniqueKeys: [],
        foreignKeys: [
          {
            name: 'fk',
            columns: ['point_id'],
            referencedTable: 'other_points',
            referencedColumns: ['other_id'],
            onUpdate: 'RESTRICT',
            onDelete: 'CASCADE',
          },
        ],
        indexes: [],
      },
    ],
  }

  it('warns once per unknown column type, naming table.column, and types it unknown', () => {
    const warnings: string[] = []
    const { metadata } = buildSchemaMetadata(schema, {
      types: TYPE_CAST_DEFAULTS,
      onUnknownType: (column, columnType) => warnings.push(`${column} ${columnType}`),
    })
    expect(warnings).toEqual(['map_points.embedding xmltype'])
    expect(metadata.tables.map_points?.columns.embedding?.jsType).toBe('unknown')
  })

  it('camel-cases table, column and key names the way CamelCasePlugin does', () => {
    const { metadata } = buildSchemaMetadata(schema, { types: TYPE_CAST_DEFAULTS, camelCase: true })
    const table = metadata.tables.mapPoints
    expect(table?.tableName).toBe('map_points')
    expect(Object.keys(table?.columns ?? {})).toEqual(['pointId', 'embedding'])
    expect(table?.columns.pointId?.columnName).toBe('point_id')
    expect(table?.primaryKey).toEqual(['pointId'])
    expect(table?.foreignKeys[0]).toMatchObject({
      referencedTable: 'otherPoints',
      referencedColumns: ['otherId'],
    })
  })
})

describe(summariseDifference.name, () => {
  it('counts lines to add and remove and shows the first difference', () => {
    expect(summariseDifference('a\nb\nc\n', 'a\nB\nc\nd\n')).toBe(
      '2 line(s) to add, 1 to remove; first difference at line 2: expected "B", found "b"',
    )
  })
})
