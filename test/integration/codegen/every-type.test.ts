import { CamelCasePlugin, type Kysely, type Selectable, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { generateCode, runCodegen } from '../../../codegen/index.js'
import { createDatabase, type Database } from '../../../src/index.js'
import type { ColumnJsType, SchemaMetadata } from '../../../src/schema/schema-metadata.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { everyTypeFixture } from '../../fixtures/every-type/every-type-fixture.js'
import type { DB as CamelDB } from '../../fixtures/every-type/generated/camel/db.js'
import type { DB } from '../../fixtures/every-type/generated/default/db.js'
import { onMysql, testServer } from '../../helpers/test-server.js'

/**
 * The server's variant of the fixture: MariaDB's table on MariaDB; on MySQL the same columns plus MySQL's own
 * (VECTOR, a spatial column restricted to SRID 4326), generated on MySQL. `DB` (the MariaDB variant's) types the
 * columns both variants have.
 */
const fixture = everyTypeFixture(testServer.flavor)
const EVERY_TYPE_ROWS = fixture.rows
const metadata = fixture.metadata
const camelMetadata = fixture.camelMetadata
const every_type = fixture.schemas
const everyType = fixture.camelSchemas
const jsonColumns = new Set(
  Object.values(metadata.tables.every_type?.columns ?? {})
    .filter((column) => column.dataType === 'json')
    .map((column) => column.name),
)

/** JSON text parsed with integers kept exact (as `bigint`), so two texts compare as JSON values. */
function parseJsonExactly(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { readonly source?: string }) =>
    typeof value === 'number' && context?.source !== undefined && /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  )
}

const serverUrl = inject('serverUrl')
let test: TestDatabase<DB>
let rows: Selectable<DB['every_type']>[]

beforeAll(async () => {
  test = await createTestDatabase<DB>({ serverUrl, migrations: fixture.migrations, prefix: 'cgevery' })
  await test.db.insertInto('every_type').values(EVERY_TYPE_ROWS).execute()
  rows = await test.db.selectFrom('every_type').selectAll().orderBy('id').execute()
})

afterAll(async () => {
  await test?.destroy()
})

/** Whether a value has the runtime type the generated metadata declares. */
function hasJsType(value: unknown, jsType: ColumnJsType): boolean {
  switch (jsType) {
    case 'Date':
      return value instanceof Date && !Number.isNaN(value.getTime())
    case 'Buffer':
      return Buffer.isBuffer(value)
    case 'json':
      return value !== undefined
    case 'unknown':
      return true
    default:
      return typeof value === jsType
  }
}

function expectRuntimeTypes(row: Record<string, unknown>, schema: SchemaMetadata, table: string): void {
  const columns = schema.tables[table]?.columns ?? {}
  expect(Object.keys(row).sort()).toEqual(Object.keys(columns).sort())
  for (const column of Object.values(columns)) {
    const value = row[column.name]
    if (value === null) {
      expect(column.nullable, `${column.name} is null but not nullable`).toBe(true)
    } else {
      expect(
        hasJsType(value, column.jsType),
        `${column.name} should be ${column.jsType}, got ${String(value)}`,
      ).toBe(true)
    }
  }
}

describe('every MySQL/MariaDB column type through createDatabase (default types)', () => {
  it(`the committed generated modules are what codegen generates now (both variants, ${fixture.flavor}'s fixture)`, async () => {
    for (const variant of Object.values(fixture.variants)) {
      const result = await runCodegen({
        database: { url: test.url },
        config: variant,
        baseDir: fixture.dir,
        migrationsFolder: fixture.migrations,
        check: true,
      })
      expect(result.check?.files.map((file) => [file.path.slice(fixture.dir.length), file.status])).toEqual([
        [`${variant.outDir.slice(2)}/db.ts`, 'fresh'],
        [`${variant.outDir.slice(2)}/metadata.ts`, 'fresh'],
        [`${variant.outDir.slice(2)}/zod.ts`, 'fresh'],
      ])
      expect(result.warnings).toEqual([])
    }
  })

  it('reads back every inserted value unchanged', () => {
    expect(rows).toHaveLength(EVERY_TYPE_ROWS.length)
    EVERY_TYPE_ROWS.forEach((inserted, index) => {
      const row = rows[index] as Record<string, unknown>
      for (const [column, value] of Object.entries(inserted)) {
        // MySQL returns JSON as it stores it, normalised: the same JSON value, not the same text.
        if (onMysql && jsonColumns.has(column) && typeof value === 'string') {
          expect(parseJsonExactly(String(row[column])), `row ${index + 1} ${column}`).toEqual(
            parseJsonExactly(value),
          )
        } else {
          expect(row[column], `row ${index + 1} ${column}`).toEqual(value)
        }
      }
    })
  })

  it('returns JSON text as the server keeps it: MariaDB the text inserted, MySQL its normalised form', () => {
    const inserted = EVERY_TYPE_ROWS[0]?.json_value
    expect(rows[0]?.json_value).toBe(
      onMysql
        ? '{"nested": {"big": 12345678901234567890, "array": [1, 2.5, "x", null, true, {"deep": []}]}}'
        : inserted,
    )
  })

  it('keeps the values stock mysql2 changes', () => {
    const [max, min, precise] = rows
    expect(max?.big_unsigned).toBe('18446744073709551615')
    expect(min?.big_signed).toBe('-9223372036854775808')
    expect(precise?.big_signed).toBe('9007199254740993')
    expect(precise?.decimal_wide).toBe('0.000000000000000000000000000001')
    expect(precise?.datetime_micro).toBe('2024-02-29 23:59:59.123456')
    expect(min?.time_micro).toBe('-838:59:59.000000')
    // JSON is returned as stored: a 20-digit integer inside keeps every digit.
    expect(max?.json_value).toContain('12345678901234567890')
    expect(max?.tinyblob_value).toEqual(Buffer.from([0x00, 0xff, 0x00, 0xff]))
  })

  it('fills defaults, generated columns and NULL for the columns left out', () => {
    const sparse: Record<string, unknown> | undefined = rows[3]
    expect(sparse?.decimal_money).toBe('0.00')
    expect(sparse?.money_doubled).toBe('0.00')
    expect(sparse?.varchar_length).toBeNull()
    expect(rows[0]?.varchar_length).toBe([...'héllo 🐬 wörld ✓'].length)
    expect(rows[0]?.money_doubled).toBe('19999999999.98')
    const nullable = Object.values(metadata.tables.every_type?.columns ?? {}).filter(
      (column) => column.nullable && column.generated === null,
    )
    for (const column of nullable) {
      if (!(column.name in EVERY_TYPE_ROWS[3]!)) expect(sparse?.[column.name], column.name).toBeNull()
    }
  })

  it('returns each value with the runtime type the generated metadata (and types) declare', () => {
    for (const row of rows) expectRuntimeTypes(row, metadata, 'every_type')
  })

  it('every selected row passes the generated zod row schema, every edge row the insert schema', () => {
    for (const row of rows) expect(every_type.row.safeParse(row).error).toBeUndefined()
    for (const row of EVERY_TYPE_ROWS) expect(every_type.insert.safeParse(row).error).toBeUndefined()
  })

  it('covers every value of every ENUM and SET, and NULL in each nullable column', () => {
    const enumValues = new Set(rows.map((row) => row.enum_value))
    expect([...enumValues].sort()).toEqual(
      [...(metadata.tables.every_type?.columns.enum_value?.enumValues ?? [])].sort(),
    )
    const setMembers = new Set(rows.flatMap((row) => row.set_value?.split(',').filter(Boolean) ?? []))
    expect([...setMembers].sort()).toEqual(
      [...(metadata.tables.every_type?.columns.set_value?.setValues ?? [])].sort(),
    )
  })

  it('round-trips the selected values through an insert', async () => {
    const { id: _id, varchar_length: _length, money_doubled: _doubled, ...first } = rows[0]!
    await test.db
      .insertInto('every_type')
      .values({ ...first, varchar_value: 'copy' })
      .execute()
    const copy = await test.db
      .selectFrom('every_type')
      .selectAll()
      .where('varchar_value', '=', 'copy')
      .executeTakeFirstOrThrow()
    await test.db.deleteFrom('every_type').where('varchar_value', '=', 'copy').execute()
    const { id: _copyId, varchar_length: _copyLength, money_doubled: _copyDoubled, ...copied } = copy
    expect(copied).toEqual({ ...first, varchar_value: 'copy' })
  })
})

describe('every column type in camel case with every non-default types option', () => {
  let database: Database<CamelDB>
  let camelRows: Selectable<CamelDB['everyType']>[]

  beforeAll(async () => {
    database = createDatabase<CamelDB>({
      url: test.url,
      plugins: [new CamelCasePlugin()],
      types: camelMetadata.types,
    })
    camelRows = await database.db.selectFrom('everyType').selectAll().orderBy('id').execute()
  })

  afterAll(async () => {
    await database?.close()
  })

  it('returns the types the camel-case generated modules declare', () => {
    expect(camelRows).toHaveLength(EVERY_TYPE_ROWS.length)
    for (const row of camelRows) expectRuntimeTypes(row, camelMetadata, 'everyType')
    for (const row of camelRows) expect(everyType.row.safeParse(row).error).toBeUndefined()
  })

  it('reads BIGINT as bigint, TINYINT(1) as boolean, DATE as Date, DATETIME as text, JSON parsed', () => {
    const [max, min, precise] = camelRows
    expect(max?.bigUnsigned).toBe(18446744073709551615n)
    expect(precise?.bigSigned).toBe(9007199254740993n)
    expect(max?.tinyBool).toBe(true)
    expect(min?.tinyBool).toBe(false)
    expect(max?.dateValue).toEqual(new Date('2024-02-29T00:00:00.000Z'))
    expect(max?.datetimePlain).toBe('2024-02-29 23:59:59')
    expect(max?.createdAt).toBe('2024-01-01 00:00:00.123')
    expect(min?.jsonValue).toEqual([])
    expect(precise?.jsonValue).toEqual({ a: { b: { c: { d: [1, { e: '🐬' }] } } } })
  })

  it('metadata, types and zod agree on camel-case names', async () => {
    const code = await generateCode(database.db as Kysely<unknown>, {
      camelCase: true,
      types: camelMetadata.types,
    })
    expect(Object.keys(code.schema.tables)).toEqual(['everyType'])
    expect(Object.keys(code.schema.tables.everyType?.columns ?? {})).toContain('bigUnsigned')
    expect(code.schema.tables.everyType?.columns.bigUnsigned?.columnName).toBe('big_unsigned')
    expect(code.types).toContain('bigUnsigned: Generated<Int8 | null>;')
    expect(code.types).toContain('  everyType: EveryType;')
    expect(code.zod).toContain('export const everyType = {')
    expect(code.zod).toContain('    bigUnsigned: bigintValue(0n, 18446744073709551615n).nullable(),')
    expect(camelMetadata.tables.everyType?.uniqueKeys).toEqual([
      { name: 'every_type_varchar_value', columns: ['varcharValue'] },
    ])
  })
})

describe('tables named like keywords or the zod module’s helpers', () => {
  it('are exported under `schemas` only, so the generated module still compiles', async () => {
    await using named = await createTestDatabase({ serverUrl, prefix: 'cgnames' })
    for (const table of ['integer', 'fast', 'class', 'orders']) {
      await sql`create table ${sql.id(table)} (id int primary key)`.execute(named.db)
    }
    const code = await generateCode(named.db as Kysely<unknown>, {})
    expect(code.zod).toContain('export const orders = {')
    for (const table of ['integer', 'fast', 'class']) {
      expect(code.zod).not.toContain(`export const ${table} =`)
      expect(code.zod).toMatch(new RegExp(`export const schemas = \\{[^}]*"${table}": table\\d+`))
    }
  })
})
