import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type GeneratedCode, generateCode } from '../../../codegen/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { onMysql, testServer } from '../../helpers/test-server.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<unknown>
let code: GeneratedCode

/**
 * DDL that every server runs, whose `information_schema` reads differ between MySQL and MariaDB: the generated
 * modules must not. Each expectation below holds on MariaDB 10.11, MariaDB 11.8 and MySQL 9.7 alike.
 */
beforeAll(async () => {
  test = await createTestDatabase({ serverUrl, prefix: 'cgspell' })
  await sql`create table parents (id mediumint unsigned not null primary key) engine = InnoDB`.execute(
    test.db,
  )
  await sql`
    create table parent_links (
      id int not null primary key,
      parent_id mediumint unsigned null,
      note text default ('it''s'),
      label varchar(9) not null default 'x''y',
      doubled int default (1 + 1),
      bytes_default blob default (x'00ff'),
      payload json default ('{"a": 1}'),
      created_at datetime(3) not null default current_timestamp(3) on update current_timestamp(3),
      constraint parent_links_parent foreign key (parent_id) references parents (id)
    ) engine = InnoDB`.execute(test.db)
  // The one clause spelled differently in the DDL itself: MySQL's SRID n is MariaDB's REF_SYSTEM_ID=n.
  const wgs84 = onMysql ? sql`point srid 4326` : sql`point ref_system_id=4326`
  await sql`create table places (id int not null primary key, location ${wgs84} null, anywhere point null)`.execute(
    test.db,
  )
  code = await generateCode(test.db as Kysely<unknown>)
})

afterAll(async () => {
  await test?.destroy()
})

describe(`one schema, the same generated modules on every server (here ${testServer.name})`, () => {
  const column = (name: string) => code.schema.tables.parent_links?.columns[name]

  it('names the server it read', () => {
    expect(code.server.flavor).toBe(testServer.flavor)
    expect(code.server.label).toMatch(onMysql ? /^MySQL \d+\.\d+\.\d+$/ : /^MariaDB \d+\.\d+\.\d+$/)
  })

  it('orders tables by code unit, not by the collation of information_schema', () => {
    // MariaDB's utf8mb3_general_ci would put parents first ('S' before '_'), MySQL's the reverse.
    expect(Object.keys(code.schema.tables)).toEqual(['parent_links', 'parents', 'places'])
    expect(code.zod).toContain('export const schemas = { parent_links, parents, places };')
  })

  it("reads MySQL's DEFAULT ('text') as the literal MariaDB reports, and expressions spelled one way", () => {
    expect(column('note')?.default).toEqual({ kind: 'value', value: "it's" })
    expect(column('label')?.default).toEqual({ kind: 'value', value: "x'y" })
    expect(column('payload')?.default).toEqual({ kind: 'value', value: '{"a": 1}' })
    expect(column('doubled')?.default).toEqual({ kind: 'expression', sql: '(1 + 1)' })
    expect(column('bytes_default')?.default).toEqual({ kind: 'expression', sql: "x'00ff'" })
    expect(column('created_at')?.default).toEqual({ kind: 'expression', sql: 'current_timestamp(3)' })
    expect(column('created_at')?.onUpdate).toBe('current_timestamp(3)')
    expect(code.types).toContain('`text, default "it\'s"`')
  })

  it('types JSON the same on both servers (MySQL’s own type, MariaDB’s LONGTEXT alias)', () => {
    expect(column('payload')).toMatchObject({ dataType: 'json', columnType: 'json', maxLength: null })
    expect(code.types).toContain('payload: Generated<string | null>;')
  })

  it('names the SRID a spatial column is restricted to, however the server spells it', () => {
    const places = code.schema.tables.places?.columns
    expect(places?.location).toMatchObject({
      dataType: 'point',
      columnType: 'point srid 4326',
      jsType: 'Buffer',
    })
    expect(places?.anywhere).toMatchObject({ dataType: 'point', columnType: 'point', jsType: 'Buffer' })
    expect(code.types).toContain('`point srid 4326`')
  })

  it('gives MEDIUMINT UNSIGNED its 8 digits and reads an unspecified foreign key rule as RESTRICT', () => {
    expect(column('parent_id')?.precision).toBe(8)
    expect(code.schema.tables.parent_links?.foreignKeys).toEqual([
      {
        name: 'parent_links_parent',
        columns: ['parent_id'],
        referencedTable: 'parents',
        referencedColumns: ['id'],
        onUpdate: 'RESTRICT',
        onDelete: 'RESTRICT',
      },
    ])
  })
})
